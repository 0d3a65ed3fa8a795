/** The agent's control loop: bootstrap, the server sync stream, SVID minting and rotation. */
package dev.signet.agent.manager;
