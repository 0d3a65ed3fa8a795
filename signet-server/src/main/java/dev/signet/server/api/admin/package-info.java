/** The admin API on the server's local Unix socket (mode 0770): who can open the socket is an operator. */
package dev.signet.server.api.admin;
