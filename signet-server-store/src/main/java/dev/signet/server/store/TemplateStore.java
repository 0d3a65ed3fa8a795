package dev.signet.server.store;

import dev.signet.core.template.IdentityTemplate;
import java.util.List;
import java.util.Optional;

/**
 * Identity templates. Every change raises the store's change counter ({@link EntryStore#changeCounter()}), so
 * that every server sharing the store pushes the new set to its agents.
 */
public interface TemplateStore {
    /** Stores a new template with a fresh random ID and creation time now (whole seconds); returns it. */
    IdentityTemplate create(IdentityTemplate template);

    Optional<IdentityTemplate> get(String id);

    /** Deletes a template; false if there was none. */
    boolean delete(String id);

    /** All templates, ordered by ID. */
    List<IdentityTemplate> list();
}
