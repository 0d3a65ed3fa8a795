package dev.signet.it.harness;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * For every integration test class: appends the tails of the relevant child processes' stdout/stderr (the
 * ones the class started, and the shared cluster's) to any failure, and makes sure no child process outlives
 * its test (after each test) or its class (after all), even when the test failed. The shared cluster is
 * stopped when the whole run ends.
 */
public final class SignetExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
        TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SignetExtension.class);
    private static final int MAX_TAILS = 8;

    @Override
    @SuppressWarnings("deprecation")
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("classMark", ChildProcess.count());
        context.getRoot().getStore(NS).getOrComputeIfAbsent("sharedClusterStopper", k -> new SharedClusterStopper());
    }

    /** Stops the shared cluster when JUnit closes the root context (the end of the run). */
    @SuppressWarnings("deprecation")
    private static final class SharedClusterStopper implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            SharedCluster c = SharedCluster.ifStarted();
            if (c != null) {
                c.close();
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("testMark", ChildProcess.count());
    }

    /** Children started by the test (not by the class setup) are stopped after it. */
    @Override
    public void afterEach(ExtensionContext context) {
        Integer mark = context.getStore(NS).get("testMark", Integer.class);
        stopStartedSince(mark == null ? 0 : mark);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Integer mark = context.getStore(NS).get("classMark", Integer.class);
        stopStartedSince(mark == null ? 0 : mark);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw withLogs(context, t);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw withLogs(context, t);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw withLogs(context, t);
    }

    private static void stopStartedSince(int mark) {
        SharedCluster shared = SharedCluster.ifStarted();
        for (ChildProcess p : ChildProcess.live()) {
            if (shared != null && shared.owns(p)) {
                continue;
            }
            if (ChildProcess.indexOf(p) >= mark) {
                p.close();
            }
        }
    }

    private static Throwable withLogs(ExtensionContext context, Throwable t) {
        if (t instanceof org.opentest4j.TestAbortedException) {
            return t;
        }
        Integer mark = context.getStore(NS).get("classMark", Integer.class);
        if (mark == null) {
            mark = context.getParent().map(p -> p.getStore(NS).get("classMark", Integer.class)).orElse(0);
        }
        StringBuilder logs = new StringBuilder("\n\n===== child process output (most recent last) =====\n");
        SharedCluster shared = SharedCluster.ifStarted();
        if (shared != null) {
            logs.append(shared.tails());
        }
        logs.append(ChildProcess.tailsOfRecent(mark, MAX_TAILS, shared == null ? null : shared::owns));
        if (t instanceof AssertionError) {
            // No cause: surefire would print the (long) message twice.
            AssertionError wrapped = new AssertionError(t.getMessage() + logs);
            wrapped.setStackTrace(t.getStackTrace());
            return wrapped;
        }
        t.addSuppressed(new ProcessLogs(logs.toString()));
        return t;
    }

    /** Carries process logs on a non-assertion failure. */
    static final class ProcessLogs extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ProcessLogs(String logs) {
            super(logs, null, false, false);
        }
    }
}
