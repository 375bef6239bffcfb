package io.kernelhub.cli;

import io.kernelhub.hub.HubSettings;
import io.kernelhub.hub.cache.KernelCache;
import io.kernelhub.hub.lock.Lockfile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kernelhub cache ls|verify|prune}. */
@Command(name = "cache", mixinStandardHelpOptions = true, description = "Inspect, verify and prune the bundle cache.",
        subcommands = {CacheCommand.Ls.class, CacheCommand.Verify.class, CacheCommand.Prune.class})
final class CacheCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.USAGE;
    }

    static KernelCache cache() {
        return new KernelCache(HubSettings.fromEnvironment().cacheDir());
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List installed bundles.")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            List<KernelCache.EntryStatus> all = cache().entries(false);
            for (KernelCache.EntryStatus e : all) {
                o.printf("%s  %8.1f MiB  %s%s%n", e.sha256().substring(0, 16), e.bytes() / 1048576.0, e.source(),
                        e.ok() ? "" : "  [" + e.problem() + "]");
            }
            o.println(all.size() + " bundle(s) in " + cache().root());
            o.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Re-hash every installed file against its receipt; damaged entries are moved aside (the next "
                    + "resolve installs them again). Exit 1 when any was damaged.")
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            KernelCache c = cache();
            PrintWriter o = spec.commandLine().getOut();
            int bad = 0;
            for (KernelCache.EntryStatus e : c.entries(true)) {
                if (e.ok()) {
                    o.println("ok       " + e.sha256().substring(0, 16) + "  " + e.source());
                } else {
                    bad++;
                    o.println("DAMAGED  " + e.sha256().substring(0, 16) + "  " + e.source() + ": " + e.problem()
                            + " (moved aside)");
                    c.evict(e.sha256());
                }
            }
            o.flush();
            return bad == 0 ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = "Remove leftovers (trash, interrupted downloads and unpacking older than a day); with --keep-lock, "
                    + "also every bundle the lockfile does not pin; with --all, every bundle.")
    static final class Prune implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--keep-lock", paramLabel = "FILE", description = "Keep only the bundles this lockfile pins.")
        Path keepLock;

        @Option(names = "--all", description = "Remove every bundle.")
        boolean all;

        @Override
        public Integer call() {
            Set<String> keep = null;
            if (keepLock != null) {
                keep = new HashSet<>();
                for (Lockfile.Entry e : Lockfile.read(keepLock).entries().values()) keep.addAll(e.variants().values());
            } else if (all) {
                keep = Set.of();
            }
            List<Path> removed = cache().prune(keep);
            PrintWriter o = spec.commandLine().getOut();
            removed.forEach(p -> o.println("removed " + p));
            o.println(removed.size() + " item(s) removed");
            o.flush();
            return ExitCodes.OK;
        }
    }
}
