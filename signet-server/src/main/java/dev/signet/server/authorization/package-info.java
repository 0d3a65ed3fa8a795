/** Which entries each agent is authorized to receive and have signed. */
package dev.signet.server.authorization;
