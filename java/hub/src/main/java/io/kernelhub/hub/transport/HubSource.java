package io.kernelhub.hub.transport;

import io.kernelhub.hub.HubException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Read access to one hub: a {@code file:} directory or an {@code http(s):} server (any static
 * file server or Maven repository manager).
 */
public sealed interface HubSource permits FileHubSource, HttpHubSource {

    /** The hub's base URI, as configured. */
    URI uri();

    /**
     * A small file (metadata, manifest, signature), or empty when the hub does not have it.
     *
     * @throws HubException when the hub cannot be reached or answers with an error after retries
     */
    Optional<byte[]> fetch(String path, int maxBytes);

    /**
     * Downloads {@code path} into {@code partial}, resuming from the bytes already there when the
     * server supports ranges, and returns the SHA-256 of the whole file. The caller compares it
     * with the expected digest; {@code expectedSize} bounds the transfer (-1: unknown).
     */
    String download(String path, Path partial, long expectedSize, TransferListener listener);

    /** A source for a configured hub URL ({@code file:}, {@code http:}, {@code https:}, or a plain directory path). */
    static HubSource of(String url, RetryPolicy policy) {
        String u = url.trim();
        URI uri;
        try {
            uri = u.contains(":") && !u.startsWith("/") ? URI.create(u) : Path.of(u).toAbsolutePath().toUri();
        } catch (IllegalArgumentException e) {
            throw new HubException("bad hub URL '" + url + "': " + e.getMessage()
                    + ". Use file:///DIR, http://HOST:PORT/PATH or https://...");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        return switch (scheme) {
            case "file" -> {
                try {
                    Path.of(uri); // file:relative or file://host/... cannot name a local directory
                } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                    throw new HubException("bad hub URL '" + url + "': " + e.getMessage() + ". Use file:///ABSOLUTE/DIR");
                }
                yield new FileHubSource(uri);
            }
            case "http", "https" -> new HttpHubSource(uri, policy);
            default -> throw new HubException("bad hub URL '" + url + "': scheme '" + scheme + "' is not supported. "
                    + "Use file:///DIR, http://HOST:PORT/PATH or https://...");
        };
    }
}
