/** Identity templates: one registration that derives SPIFFE IDs from a workload's attested selectors. */
package dev.signet.core.template;
