/**
 * The service catalog: Consul-style service definitions ({@link dev.signet.core.catalog.ServiceDefinition}), read
 * from HCL or JSON by {@link dev.signet.core.catalog.ServiceDefinitions}, with the SPIFFE ID and the managed
 * registration entries derived from them.
 */
package dev.signet.core.catalog;
