package dev.signet.it.harness;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Classpaths for child JVMs. The test classpath lives in {@code ~/.m2} under {@code /root} (mode 0700),
 * which workloads running under other uids cannot read, so each classpath is copied once per run into the
 * world-readable run directory (directories 0755, files 0644).
 */
public final class ChildClasspath {
    private static String signet;
    private static String javaSpiffe;
    private static String sdsClient;

    private ChildClasspath() {}

    /**
     * The classpath of {@code dev.signet.cli.Main}: the test classpath minus this module's own classes (so that
     * the children use the CLI's own logging configuration, not anything of the tests').
     */
    public static synchronized String signet() {
        if (signet == null) {
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<Path> entries = new ArrayList<>();
            for (String e : cp.split(File.pathSeparator)) {
                if (e.isBlank()) {
                    continue;
                }
                Path p = Path.of(e).toAbsolutePath().normalize();
                if (p.toString().contains("/signet-it/target/") || p.getFileName().toString().startsWith("surefire")) {
                    continue;
                }
                // test-jars (the store's PostgresTestDatabase) carry a logback-test.xml that would take over the
                // children's logging
                if (p.getFileName().toString().endsWith("-tests.jar") || p.getFileName().toString().equals("test-classes")) {
                    continue;
                }
                if (Files.exists(p)) {
                    entries.add(p);
                }
            }
            signet = copy(entries, ItDirs.mkdir0755(ItDirs.base().resolve("cp-signet")));
        }
        return signet;
    }

    /** The java-spiffe interop client's own classpath (java-spiffe 0.8.11 and its grpc), from the interop module. */
    public static synchronized String javaSpiffe() {
        if (javaSpiffe == null) {
            String dir = System.getProperty("signet.interop.javaSpiffe.dir");
            if (dir == null) {
                throw new IllegalStateException("system property signet.interop.javaSpiffe.dir is not set (the signet-it pom sets it)");
            }
            Path target = Path.of(dir).toAbsolutePath().normalize();
            Path cpFile = target.resolve("classpath.txt");
            Path classes = target.resolve("classes");
            if (!Files.isRegularFile(cpFile) || !Files.isRegularFile(classes.resolve("dev/signet/interop/JavaSpiffeClient.class"))) {
                throw new IllegalStateException("the java-spiffe interop module is not built: " + cpFile + " or " + classes
                        + " is missing (run mvn install from the root)");
            }
            List<Path> entries = new ArrayList<>();
            entries.add(classes);
            try {
                for (String e : Files.readString(cpFile).trim().split(File.pathSeparator)) {
                    if (!e.isBlank()) {
                        entries.add(Path.of(e));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            javaSpiffe = copy(entries, ItDirs.mkdir0755(ItDirs.base().resolve("cp-java-spiffe")));
        }
        return javaSpiffe;
    }

    /**
     * The classpath of the Envoy SDS client ({@link dev.signet.it.sds.EnvoySdsClient}): its own classes (package
     * {@code dev.signet.it.sds} of this module's test classes, and nothing else of them) followed by
     * {@link #signet()}, which has the Envoy API gencode, grpc-netty and Jackson.
     */
    public static synchronized String sdsClient() {
        if (sdsClient == null) {
            Path classes;
            try {
                classes = Path.of(dev.signet.it.sds.EnvoySdsClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
            Path pkg = classes.resolve("dev/signet/it/sds");
            Path dest = ItDirs.mkdir0755(ItDirs.base().resolve("cp-sds-client"));
            try {
                copyTree(pkg, dest.resolve("dev/signet/it/sds"));
                for (Path d = dest.resolve("dev/signet/it"); !d.equals(dest); d = d.getParent()) {
                    Files.setPosixFilePermissions(d, ItDirs.DIR_0755);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("copying the SDS client's classes from " + pkg, e);
            }
            sdsClient = dest + File.pathSeparator + signet();
        }
        return sdsClient;
    }

    /** Copies each entry to {@code dest/NNN-name}, preserving order, and returns the new classpath. */
    private static String copy(List<Path> entries, Path dest) {
        List<String> out = new ArrayList<>();
        int i = 0;
        for (Path src : entries) {
            Path to = dest.resolve(String.format("%03d-%s", i++, src.getFileName()));
            try {
                if (Files.isDirectory(src)) {
                    copyTree(src, to);
                } else {
                    Files.copy(src, to, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(to, ItDirs.FILE_0644);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("copying classpath entry " + src, e);
            }
            out.add(to.toString());
        }
        return String.join(File.pathSeparator, out);
    }

    private static void copyTree(Path src, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, ItDirs.DIR_0755);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(target, ItDirs.FILE_0644);
                }
            }
        }
    }
}
