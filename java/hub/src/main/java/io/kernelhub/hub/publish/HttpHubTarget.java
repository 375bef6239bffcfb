package io.kernelhub.hub.publish;

import io.kernelhub.hub.HubException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A hub over HTTP that accepts PUT (as a Maven deploy does), with {@code Authorization: Bearer KERNELHUB_TOKEN}. */
public record HttpHubTarget(URI uri, String token) implements HubTarget {

    public HttpHubTarget {
        if (!uri.toString().endsWith("/")) uri = URI.create(uri + "/");
    }

    private HttpURLConnection open(String path, String method) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.resolve(path).toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(10_000);
        c.setReadTimeout(60_000);
        c.setRequestProperty("User-Agent", "kernelhub");
        if (token != null) c.setRequestProperty("Authorization", "Bearer " + token);
        return c;
    }

    @Override
    public Optional<byte[]> get(String path) {
        try {
            HttpURLConnection c = open(path, "GET");
            try {
                int s = c.getResponseCode();
                if (s == 404) return Optional.empty();
                if (s != 200) throw new HubException("GET " + uri.resolve(path) + ": HTTP " + s);
                try (InputStream in = c.getInputStream()) {
                    return Optional.of(in.readAllBytes());
                }
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw new HubException("cannot reach hub " + uri + ": " + e, e);
        }
    }

    @Override
    public void put(String path, byte[] data) {
        upload(path, data.length, out -> out.write(data));
    }

    @Override
    public void put(String path, Path file) {
        try {
            upload(path, Files.size(file), out -> Files.copy(file, out));
        } catch (IOException e) {
            throw new HubException("cannot read " + file + ": " + e, e);
        }
    }

    private interface Body {
        void write(OutputStream out) throws IOException;
    }

    private void upload(String path, long length, Body body) {
        try {
            HttpURLConnection c = open(path, "PUT");
            try {
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(length);
                c.setRequestProperty("Content-Type", "application/octet-stream");
                try (OutputStream out = c.getOutputStream()) {
                    body.write(out);
                }
                int s = c.getResponseCode();
                if (s == 401) {
                    throw new HubException("hub " + uri + " refused the upload of " + path + " (HTTP 401): set "
                            + "KERNELHUB_TOKEN to a token the hub accepts");
                }
                if (s == 403) { // a valid token for other orgs: the server's answer names them
                    throw new HubException("hub " + uri + " refused the upload of " + path + " (HTTP 403): "
                            + serverSays(c).orElse("this token may not publish there; use a token for the kernel's org"));
                }
                if (s == 405) {
                    throw new HubException("hub " + uri + " does not accept uploads (HTTP 405); a kernelhub server needs "
                            + "--allow-publish");
                }
                if (s == 409) {
                    throw new HubException("hub " + uri + " refused " + path + ": it exists with different content (HTTP 409)");
                }
                if (s / 100 != 2) {
                    throw new HubException("upload of " + path + " to " + uri + " failed: HTTP " + s);
                }
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw new HubException("cannot upload " + path + " to " + uri + ": " + e, e);
        }
    }

    /** The first line of an error body (a kernelhub server says what was wrong), at most 300 characters. */
    private static java.util.Optional<String> serverSays(HttpURLConnection c) {
        try (java.io.InputStream err = c.getErrorStream()) {
            if (err == null) return java.util.Optional.empty();
            String text = new String(err.readNBytes(2048), java.nio.charset.StandardCharsets.UTF_8).strip();
            String line = text.lines().findFirst().orElse("");
            return line.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(line.length() > 300
                    ? line.substring(0, 300) + "..." : line);
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public void withKernelLock(String org, String name, Runnable action) {
        action.run();
    }
}
