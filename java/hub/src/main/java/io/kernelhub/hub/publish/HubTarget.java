package io.kernelhub.hub.publish;

import io.kernelhub.hub.HubException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/** Write access to a hub for publishing: a {@code file:} directory or an HTTP server accepting PUT. */
public sealed interface HubTarget permits FileHubTarget, HttpHubTarget {

    URI uri();

    /** A file's bytes, or empty when absent. */
    Optional<byte[]> get(String path);

    /** Stores bytes at a path (atomically for file hubs). */
    void put(String path, byte[] data);

    /** Stores a file at a path. */
    void put(String path, Path file);

    /**
     * Runs {@code action} while no other publisher to this hub can update the same kernel's
     * metadata (a file lock for file hubs; HTTP hubs serialise on the server).
     */
    void withKernelLock(String org, String name, Runnable action);

    static HubTarget of(String url, String token) {
        String u = url.trim();
        URI uri;
        try {
            uri = u.contains(":") && !u.startsWith("/") ? URI.create(u) : Path.of(u).toAbsolutePath().toUri();
        } catch (IllegalArgumentException e) {
            throw new HubException("bad hub URL '" + url + "': " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        return switch (scheme) {
            case "file" -> new FileHubTarget(Path.of(uri));
            case "http", "https" -> new HttpHubTarget(uri, token);
            default -> throw new HubException("cannot publish to '" + url + "': use file:///DIR or http(s)://HOST/PATH");
        };
    }
}
