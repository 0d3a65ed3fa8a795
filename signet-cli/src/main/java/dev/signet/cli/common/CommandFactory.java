package dev.signet.cli.common;

import java.lang.reflect.Constructor;
import picocli.CommandLine;

/**
 * Creates command objects for picocli, handing {@link CliEnv} to every class that has a
 * {@code (CliEnv)} constructor; everything else (mixins, converters) gets picocli's default factory.
 */
public final class CommandFactory implements CommandLine.IFactory {
    private final CliEnv env;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    public CommandFactory(CliEnv env) {
        this.env = env;
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
        Constructor<K> withEnv;
        try {
            withEnv = cls.getDeclaredConstructor(CliEnv.class);
        } catch (NoSuchMethodException e) {
            return fallback.create(cls);
        }
        withEnv.setAccessible(true);
        return withEnv.newInstance(env);
    }
}
