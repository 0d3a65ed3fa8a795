/** Selectors: the typed facts attestors produce and registration entries match on (set inclusion). */
package dev.signet.core.selector;
