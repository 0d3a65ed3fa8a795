package dev.signet.agent.attestor.workload.cgroup;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the container ID and pod UID in the lines of a cgroup file (the algorithm is described in the package
 * documentation). Pure: no I/O.
 */
public final class ContainerLocator {
    /** 64 hex digits as a word of their own ({@code \b}: ASCII letters, digits and {@code _} are word characters). */
    private static final Pattern CONTAINER_ID = Pattern.compile("\\b[0-9a-fA-F]{64}\\b");

    /** {@code pod<uid>}, the UID with dashes (cgroupfs driver) or underscores (systemd driver). */
    private static final Pattern POD_UID = Pattern.compile(
            "\\bpod([0-9a-fA-F]{8}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{12})\\b");

    private ContainerLocator() {}

    /**
     * The container the lines name, or empty if none names one.
     *
     * @throws CgroupException if lines name different pods or containers
     */
    public static Optional<ContainerRef> locate(List<CgroupLine> lines) throws CgroupException {
        String containerId = null;
        String podUid = null;
        String containerLine = null;
        String podLine = null;
        for (CgroupLine line : lines) {
            Found f = locate(line.path());
            if (f == null) {
                continue;
            }
            String where = line.hierarchyId() + ":" + line.controllers() + ":" + line.path();
            if (f.podUid != null) {
                if (podUid == null) {
                    // A line with a pod UID overrides earlier lines without one (kind on Docker).
                    podUid = f.podUid;
                    podLine = where;
                    containerId = f.containerId;
                    containerLine = where;
                } else if (!podUid.equals(f.podUid)) {
                    throw new CgroupException("multiple pod UIDs found: " + podUid + " (in \"" + podLine + "\") and "
                            + f.podUid + " (in \"" + where + "\")");
                } else if (!containerId.equals(f.containerId)) {
                    throw new CgroupException("multiple container IDs found: " + containerId + " (in \"" + containerLine
                            + "\") and " + f.containerId + " (in \"" + where + "\")");
                }
            } else if (podUid == null) {
                if (containerId == null) {
                    containerId = f.containerId;
                    containerLine = where;
                } else if (!containerId.equals(f.containerId)) {
                    throw new CgroupException("multiple container IDs found: " + containerId + " (in \"" + containerLine
                            + "\") and " + f.containerId + " (in \"" + where + "\")");
                }
            }
            // else: a line without a pod UID once one is known says nothing about the pod's container.
        }
        return containerId == null ? Optional.empty() : Optional.of(new ContainerRef(containerId, Optional.ofNullable(podUid)));
    }

    private record Found(String containerId, String podUid) {}

    /** The container ID nearest the end of {@code path} and the pod UID nearest before it, or null. */
    private static Found locate(String path) {
        String[] segments = path.split("/", -1);
        for (int i = segments.length - 1; i >= 0; i--) {
            Matcher m = CONTAINER_ID.matcher(segments[i]);
            int start = -1;
            String containerId = null;
            while (m.find()) {
                start = m.start();
                containerId = m.group();
            }
            if (containerId == null) {
                continue;
            }
            String podUid = lastPodUid(segments[i].substring(0, start));
            for (int j = i - 1; j >= 0 && podUid == null; j--) {
                podUid = lastPodUid(segments[j]);
            }
            return new Found(containerId, podUid);
        }
        return null;
    }

    private static String lastPodUid(String text) {
        Matcher m = POD_UID.matcher(text);
        String uid = null;
        while (m.find()) {
            uid = m.group(1);
        }
        return uid == null ? null : uid.replace('_', '-');
    }
}
