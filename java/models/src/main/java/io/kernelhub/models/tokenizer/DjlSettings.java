package io.kernelhub.models.tokenizer;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * The JVM-wide settings the DJL tokenizers binding reads, set once before its first use so that
 * loading a tokenizer writes only under kernelhub's home and never calls out:
 * <ul>
 *   <li>{@code DJL_CACHE_DIR} = {@code KERNELHUB_HOME/cache/djl}: where DJL extracts its native
 *       library (default {@code ~/.djl.ai});</li>
 *   <li>{@code jna.tmpdir} = {@code KERNELHUB_HOME/cache/jna}: where JNA, which DJL uses to look
 *       for a CUDA runtime, unpacks its own library (default {@code ~/.cache/JNA});</li>
 *   <li>{@code OPT_OUT_TRACKING} = {@code true}: otherwise DJL's first tokenizer asks the EC2
 *       metadata service who it runs on and reports to DJL's telemetry endpoint.</li>
 * </ul>
 * A value the user already gave (as a system property, or as an environment variable for the
 * settings DJL also reads from the environment) is left alone. These system properties are the
 * only global effect of {@link TextTokenizer}.
 */
final class DjlSettings {

    static final String HOME = "KERNELHUB_HOME";
    static final String CACHE_DIR = "DJL_CACHE_DIR";
    static final String JNA_TMPDIR = "jna.tmpdir";
    static final String OPT_OUT_TRACKING = "OPT_OUT_TRACKING";

    private static boolean applied;

    private DjlSettings() {
    }

    /** Applies the settings from this process's environment, once. */
    static synchronized void apply() {
        if (!applied) {
            apply(System.getenv(), System.getProperties());
            applied = true;
        }
    }

    /** Sets in {@code properties} what neither {@code env} nor {@code properties} sets already. */
    static void apply(Map<String, String> env, Properties properties) {
        Path cache = kernelhubHome(env).resolve("cache");
        if (isBlank(env.get(CACHE_DIR)) && isBlank(properties.getProperty(CACHE_DIR))) {
            properties.setProperty(CACHE_DIR, cache.resolve("djl").toString());
        }
        if (isBlank(properties.getProperty(JNA_TMPDIR))) {
            properties.setProperty(JNA_TMPDIR, cache.resolve("jna").toString());
        }
        if (isBlank(env.get(OPT_OUT_TRACKING)) && isBlank(properties.getProperty(OPT_OUT_TRACKING))) {
            properties.setProperty(OPT_OUT_TRACKING, "true");
        }
    }

    /** {@code KERNELHUB_HOME}, default {@code ~/.kernelhub} (as everywhere in kernelhub). */
    static Path kernelhubHome(Map<String, String> env) {
        String home = env.get(HOME);
        return (isBlank(home) ? Path.of(System.getProperty("user.home"), ".kernelhub") : Path.of(home))
                .toAbsolutePath().normalize();
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
