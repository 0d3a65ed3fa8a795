/** The server's own identity on the agent API. */
package dev.signet.server.identity;
