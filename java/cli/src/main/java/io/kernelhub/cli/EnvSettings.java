package io.kernelhub.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The KERNELHUB_* environment settings as doctor reports them. The token's value is never
 * shown; names that kernelhub does not know are listed (without values) so typos stand out.
 */
final class EnvSettings {

    /** One setting: {@code source} is "env", "default" or "unset". */
    record Setting(String name, String value, String source, String meaning) {
    }

    static final String HOME = "KERNELHUB_HOME";
    static final String HUB = "KERNELHUB_HUB";
    static final String OFFLINE = "KERNELHUB_OFFLINE";
    static final String LOCAL_KERNELS = "KERNELHUB_LOCAL_KERNELS";
    static final String TOKEN = "KERNELHUB_TOKEN";
    static final String ALLOW_UNSIGNED = "KERNELHUB_ALLOW_UNSIGNED";
    static final String LOCKFILE = "KERNELHUB_LOCKFILE";
    static final String LOCK_ALLOW_UNLISTED = "KERNELHUB_LOCK_ALLOW_UNLISTED";
    static final String FETCH_DEADLINE = "KERNELHUB_FETCH_DEADLINE";
    static final String NUM_THREADS = "KERNELHUB_NUM_THREADS";
    static final String CPU_ISA = "KERNELHUB_CPU_ISA";
    static final String PYTHON = "KERNELHUB_PYTHON";
    static final String JAVA_OPTS = "KERNELHUB_JAVA_OPTS";
    static final String HIDDEN = "set (hidden)";

    static final List<String> KNOWN = List.of(HOME, HUB, OFFLINE, LOCAL_KERNELS, TOKEN, ALLOW_UNSIGNED, LOCKFILE,
            LOCK_ALLOW_UNLISTED, FETCH_DEADLINE, NUM_THREADS, CPU_ISA, PYTHON, JAVA_OPTS);

    private EnvSettings() {
    }

    static List<Setting> settings(Map<String, String> env) {
        List<Setting> out = new ArrayList<>();
        String home = env.get(HOME);
        out.add(home == null || home.isBlank()
                ? new Setting(HOME, KernelhubHome.from(home).toString(), "default",
                        "cache, local hub and keys")
                : new Setting(HOME, home, "env", "cache, local hub and keys"));
        out.add(plain(env, HUB, "comma-separated hub URLs (file: or http(s):)"));
        out.add(plain(env, OFFLINE, "1 = read only the local cache"));
        out.add(plain(env, LOCAL_KERNELS, "org/name=DIR overrides for kernel development"));
        String token = env.get(TOKEN);
        out.add(new Setting(TOKEN, token == null ? null : HIDDEN, token == null ? "unset" : "env",
                "credential for publishing over HTTP"));
        out.add(plain(env, ALLOW_UNSIGNED, "1 = accept unsigned remote content of orgs no trusted key speaks for (logged)"));
        out.add(plain(env, LOCKFILE, "pin resolution to a kernels.lock (ids it does not list are refused)"));
        out.add(plain(env, LOCK_ALLOW_UNLISTED, "1 = with a lockfile, resolve unlisted ids unpinned (logged)"));
        out.add(plain(env, FETCH_DEADLINE, "seconds an index, manifest or signature may take, retries included (60)"));
        out.add(plain(env, NUM_THREADS, "threads of CPU bundles (flash-attn2; default: all cores)"));
        out.add(plain(env, CPU_ISA, "force a CPU bundle's ISA path (flash-attn2: avx512, avx2, portable, ...)"));
        out.add(plain(env, PYTHON, "interpreter for bench peers (default /usr/bin/python3)"));
        out.add(plain(env, JAVA_OPTS, "extra JVM options for ./kernelhub"));
        return out;
    }

    /** KERNELHUB_* variables that kernelhub does not read (probably typos), sorted. */
    static List<String> unknown(Map<String, String> env) {
        TreeSet<String> names = new TreeSet<>();
        for (String name : env.keySet()) {
            if (name.startsWith("KERNELHUB_") && !KNOWN.contains(name)) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    private static Setting plain(Map<String, String> env, String name, String meaning) {
        String v = env.get(name);
        return new Setting(name, v, v == null ? "unset" : "env", meaning);
    }
}
