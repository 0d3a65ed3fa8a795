package dev.signet.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The build version, from {@code version.properties} filled in by Maven resource filtering. */
public final class VersionInfo implements CommandLine.IVersionProvider {

    /** The version string, e.g. {@code 0.1.0}, or {@code unknown} outside a Maven build. */
    public static String version() {
        try (InputStream in = VersionInfo.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"signet " + version()};
    }
}
