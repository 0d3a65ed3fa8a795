/**
 * Registration entries, the unit of the catalog that agents match workloads against, and their
 * conversion to and from the wire ({@link dev.signet.core.registration.EntryProtos}).
 */
package dev.signet.core.registration;
