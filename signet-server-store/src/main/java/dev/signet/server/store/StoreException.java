package dev.signet.server.store;

/** A datastore operation failed; subclasses say why in a way callers can act on. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The record to update or read does not exist. */
    public static final class NotFound extends StoreException {
        private static final long serialVersionUID = 1L;

        public NotFound(String message) {
            super(message);
        }
    }

    /** A record with the same key exists already. */
    public static final class AlreadyExists extends StoreException {
        private static final long serialVersionUID = 1L;

        public AlreadyExists(String message) {
            super(message);
        }
    }

    /**
     * The write was based on a state that no longer holds (e.g. it would lift a ban another server made after the
     * caller read the record). Nothing was changed.
     */
    public static final class Conflict extends StoreException {
        private static final long serialVersionUID = 1L;

        public Conflict(String message) {
            super(message);
        }
    }

    /**
     * The database cannot be reached or is not answering (connection refused or lost, pool exhausted, timed out).
     * The call was not acknowledged: its transaction rolled back, or, if the connection broke during the commit
     * itself, may have committed; either way the caller must not report success. Retrying later may succeed.
     * The message names the datastore.
     */
    public static final class Unavailable extends StoreException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
