/** Files that hold keys and state: written atomically, with owner-only permissions for secrets. */
package dev.signet.core.files;
