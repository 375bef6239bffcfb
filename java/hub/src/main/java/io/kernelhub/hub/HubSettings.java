package io.kernelhub.hub;

import io.kernelhub.hub.transport.RetryPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the hub client looks and how it behaves, from the environment (ARCHITECTURE.md,
 * "Environment variables"): {@code KERNELHUB_HOME} (cache, local hub, keys),
 * {@code KERNELHUB_HUB} (comma-separated hub URLs, tried in order; default: the local hub),
 * {@code KERNELHUB_OFFLINE=1} (cache only), {@code KERNELHUB_TOKEN} (publishing),
 * {@code KERNELHUB_ALLOW_UNSIGNED=1} (accept unsigned remote manifests of orgs no trusted key
 * speaks for; logged), {@code KERNELHUB_LOCKFILE} (pin ids to a lockfile's versions and digests;
 * ids it does not list are refused unless {@code KERNELHUB_LOCK_ALLOW_UNLISTED=1}, logged) and
 * {@code KERNELHUB_FETCH_DEADLINE} (seconds a small hub file may take, retries included; 60).
 *
 * @param home          the kernelhub home directory
 * @param hubs          hub URLs in the order they are tried
 * @param offline       use only the cache
 * @param allowUnsigned accept remote manifests without a trusted signature
 * @param token         bearer token for publishing, or null
 * @param lockfile      lockfile that pins resolution, or null
 * @param retry         transfer retries and timeouts
 * @param lockAllowUnlisted with a lockfile, resolve ids it does not list (unpinned, logged) instead of refusing them
 */
public record HubSettings(Path home, List<String> hubs, boolean offline, boolean allowUnsigned, String token,
        Path lockfile, RetryPolicy retry, boolean lockAllowUnlisted) {

    public static final String HOME = "KERNELHUB_HOME";
    public static final String HUB = "KERNELHUB_HUB";
    public static final String OFFLINE = "KERNELHUB_OFFLINE";
    public static final String TOKEN = "KERNELHUB_TOKEN";
    public static final String ALLOW_UNSIGNED = "KERNELHUB_ALLOW_UNSIGNED";
    public static final String LOCKFILE = "KERNELHUB_LOCKFILE";
    public static final String LOCK_ALLOW_UNLISTED = "KERNELHUB_LOCK_ALLOW_UNLISTED";
    public static final String FETCH_DEADLINE = "KERNELHUB_FETCH_DEADLINE";

    /** Settings whose lockfile (if any) is strict. */
    public HubSettings(Path home, List<String> hubs, boolean offline, boolean allowUnsigned, String token, Path lockfile,
            RetryPolicy retry) {
        this(home, hubs, offline, allowUnsigned, token, lockfile, retry, false);
    }

    public HubSettings {
        hubs = List.copyOf(hubs);
        home = home.toAbsolutePath().normalize();
    }

    public static HubSettings fromEnvironment() {
        return from(System.getenv());
    }

    public static HubSettings from(Map<String, String> env) {
        String h = env.get(HOME);
        Path home = h == null || h.isBlank() ? Path.of(System.getProperty("user.home"), ".kernelhub") : Path.of(h);
        List<String> hubs = new ArrayList<>();
        String list = env.get(HUB);
        if (list != null) {
            for (String s : list.split(",")) {
                if (!s.isBlank()) hubs.add(s.trim());
            }
        }
        if (hubs.isEmpty()) {
            hubs.add(localHub(home).toUri().toString());
        }
        String lock = env.get(LOCKFILE);
        return new HubSettings(home, hubs, truthy(env.get(OFFLINE)), truthy(env.get(ALLOW_UNSIGNED)), blankToNull(env.get(TOKEN)),
                lock == null || lock.isBlank() ? null : Path.of(lock), RetryPolicy.DEFAULT.withFetchDeadline(
                        fetchDeadline(env.get(FETCH_DEADLINE))), truthy(env.get(LOCK_ALLOW_UNLISTED)));
    }

    private static java.time.Duration fetchDeadline(String v) {
        if (v == null || v.isBlank()) return RetryPolicy.DEFAULT_FETCH_DEADLINE;
        try {
            double s = Double.parseDouble(v.trim());
            if (s > 0 && s <= 86_400) return java.time.Duration.ofMillis((long) (s * 1000));
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new HubException(FETCH_DEADLINE + "='" + v + "' is not a number of seconds between 0 and 86400 (e.g. 60)");
    }

    /** The embedded local hub, {@code KERNELHUB_HOME/hub}: trusted without signatures. */
    public static Path localHub(Path home) {
        return home.toAbsolutePath().normalize().resolve("hub");
    }

    public Path localHub() {
        return localHub(home);
    }

    public Path cacheDir() {
        return home.resolve("cache");
    }

    public Path keysDir() {
        return home.resolve("keys");
    }

    /** What this machine accepted from hubs (newest indexes, revocations): see TrustState. */
    public Path stateDir() {
        return home.resolve("state");
    }

    public HubSettings withHubs(List<String> newHubs) {
        return new HubSettings(home, newHubs, offline, allowUnsigned, token, lockfile, retry, lockAllowUnlisted);
    }

    public HubSettings withRetry(RetryPolicy r) {
        return new HubSettings(home, hubs, offline, allowUnsigned, token, lockfile, r, lockAllowUnlisted);
    }

    public HubSettings withOffline(boolean off) {
        return new HubSettings(home, hubs, off, allowUnsigned, token, lockfile, retry, lockAllowUnlisted);
    }

    public HubSettings withLockfile(Path l) {
        return new HubSettings(home, hubs, offline, allowUnsigned, token, l, retry, lockAllowUnlisted);
    }

    public HubSettings withAllowUnsigned(boolean allow) {
        return new HubSettings(home, hubs, offline, allow, token, lockfile, retry, lockAllowUnlisted);
    }

    public HubSettings withLockAllowUnlisted(boolean allow) {
        return new HubSettings(home, hubs, offline, allowUnsigned, token, lockfile, retry, allow);
    }

    private static boolean truthy(String v) {
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes"));
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v;
    }
}
