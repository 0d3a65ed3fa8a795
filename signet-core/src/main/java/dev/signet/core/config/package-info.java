/** HCL configuration loading with key-naming errors, shared by the server and agent configs. */
package dev.signet.core.config;
