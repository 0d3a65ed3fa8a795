/** Registration policy: what the server accepts as an entry, beyond wire syntax. */
package dev.signet.server.registration;
