package io.kernelhub.hub.server;

import io.kernelhub.hub.manifest.HubLayout;
import io.kernelhub.hub.manifest.ManifestException;
import io.kernelhub.hub.manifest.MavenMetadata;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * How {@code kernelhub serve} stores an upload it accepted: the body goes under its deadline into
 * a temporary file created inside the directory reached without following links, then, under one
 * publish lock, {@code maven-metadata.xml} is merged, the files publishers re-sign replace what
 * is there, every other published file stays immutable, and the temporary file is renamed into
 * place. A refused, failed or timed-out upload leaves no file and no directory it created.
 */
final class HubUploads {

    private static final int MAX_METADATA = 1 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HubRoot root;
    private final ServeLimits limits;
    /** Directories made by an upload and removed by a failed one, and every rename: one at a time. */
    private final Object publishLock = new Object();

    HubUploads(HubRoot root, ServeLimits limits) {
        this.root = root;
        this.limits = limits;
    }

    /** The 413 body: what was too large and the limit. */
    String tooLarge(String what) {
        return "upload of " + what + " is over this hub's limit of " + limits.maxUploadBytes() / ServeLimits.MIB
                + " MiB per file (" + limits.maxUploadBytes() + " bytes; kernelhub serve --max-upload-mb)\n";
    }

    /** A status and text decided under the publish lock and sent after it (never hold the lock on the network). */
    private record Outcome(int status, String text) {}

    /** Receives the body into a temporary file beside the target, then renames it over the target atomically. */
    /** Stores one authorised upload (the caller checked the token, the org and the caps). */
    int store(HubServer.Exchange ex, List<String> segs) throws IOException {
        String name = segs.getLast();
        boolean metadata = name.equals("maven-metadata.xml");
        String tmp = ".upload-" + HexFormat.of().formatHex(randomBytes()) + ".tmp";
        HubRoot.Walk w;
        Outcome refused = null;
        synchronized (publishLock) { // directories made here and removed by a failed upload: one at a time
            try {
                w = root.walk(segs.subList(0, segs.size() - 1), true);
            } catch (HubRoot.LinkRefused e) {
                w = null;
                refused = new Outcome(403, HubServer.linkRefused(e.relative));
            } catch (HubRoot.NotADirectory e) {
                w = null;
                refused = new Outcome(409, "cannot store " + String.join("/", segs) + ": " + e.relative
                        + " is a file, not a directory\n");
            }
            if (w != null) {
                try {
                    BasicFileAttributes a = w.attributes(name);
                    if (a != null && a.isSymbolicLink()) {
                        refused = new Outcome(403, HubServer.linkRefused(w.relative(name)));
                    } else if (a != null && !a.isRegularFile()) {
                        refused = new Outcome(409, "cannot store " + w.relative(name) + ": it is a directory\n");
                    } else {
                        w.create(tmp).close();
                    }
                } catch (IOException | RuntimeException e) {
                    w.removeCreated();
                    w.close();
                    throw e;
                }
                if (refused != null) {
                    w.removeCreated();
                    w.close();
                }
            }
        }
        if (refused != null) return ex.text(refused.status(), refused.text());
        Outcome done = null;
        try (HubRoot.Walk dir = w) {
            try {
                done = receive(ex, dir, tmp, metadata);
                if (done == null) {
                    synchronized (publishLock) {
                        done = commit(dir, name, tmp, metadata);
                    }
                }
            } finally {
                if (done == null || done.status() != 201) { // refused or failed: nothing stays behind
                    dir.deleteIfExists(tmp);
                    synchronized (publishLock) {
                        dir.removeCreated();
                    }
                }
            }
        }
        return ex.text(done.status(), done.text()); // after the cleanup: a client that sees a refusal finds nothing left
    }

    /** The body into {@code tmp} under the body deadline; a refusal, or null when it arrived whole. */
    private Outcome receive(HubServer.Exchange ex, HubRoot.Walk dir, String tmp, boolean metadata) throws IOException {
        long start = System.nanoTime();
        long declared = Math.max(0, ex.req.length());
        ex.conn.armAt(start + limits.bodyAllowanceNanos(declared));
        Http1.Body body = ex.body(limits.maxUploadBytes(),
                got -> ex.conn.armAt(start + limits.bodyAllowanceNanos(Math.max(declared, got))));
        try (SeekableByteChannel ch = dir.open(tmp, StandardOpenOption.WRITE); OutputStream out = Channels.newOutputStream(ch)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = body.read(buf, 0, buf.length)) >= 0; ) out.write(buf, 0, n);
        } catch (Http1.TooLarge e) {
            return new Outcome(413, tooLarge("more than " + limits.maxUploadBytes() + " bytes (chunked)"));
        } finally {
            ex.conn.disarm();
        }
        if (metadata && body.received() > MAX_METADATA) {
            return new Outcome(413, "maven-metadata.xml over " + MAX_METADATA + " bytes: that is not a version list\n");
        }
        dir.makeReadable(tmp);
        return null;
    }

    /**
     * Under the publish lock: merge maven-metadata.xml; replace the files publishers re-sign (the
     * signed index, the revocation list, signature files: clients trust them only for their
     * signatures, see HubLayout.isMutable); keep every other published file immutable; then
     * rename into place.
     */
    private static Outcome commit(HubRoot.Walk w, String name, String tmp, boolean metadata) throws IOException {
        BasicFileAttributes a = w.attributes(name);
        if (a != null && !a.isRegularFile()) { // replaced by a link or a directory while the body arrived
            return new Outcome(403, HubServer.linkRefused(w.relative(name)));
        }
        if (metadata) {
            // validated, and merged with what is there: two publishers of different versions lose none
            try {
                MavenMetadata merged = MavenMetadata.parse(readAll(w, tmp));
                if (a != null) {
                    for (var v : MavenMetadata.parse(readAll(w, name)).versions()) merged = merged.with(v);
                }
                try (SeekableByteChannel ch = w.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer b = ByteBuffer.wrap(merged.write());
                    while (b.hasRemaining()) ch.write(b);
                }
            } catch (ManifestException e) {
                return new Outcome(400, "maven-metadata.xml: " + e.getMessage() + "\n");
            }
        } else if (a != null && !HubLayout.isMutable(name)) {
            return sameContent(w, name, tmp) ? new Outcome(200, "identical\n")
                    : new Outcome(409, "exists with different content (published versions are immutable)\n");
        }
        w.rename(tmp, name);
        return new Outcome(201, "stored\n");
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] readAll(HubRoot.Walk w, String name) throws IOException {
        try (InputStream in = Channels.newInputStream(w.open(name, StandardOpenOption.READ))) {
            return in.readNBytes(MAX_METADATA + 1);
        }
    }

    private static boolean sameContent(HubRoot.Walk w, String a, String b) throws IOException {
        try (InputStream x = new BufferedInputStream(Channels.newInputStream(w.open(a, StandardOpenOption.READ)), 1 << 16);
                InputStream y = new BufferedInputStream(Channels.newInputStream(w.open(b, StandardOpenOption.READ)), 1 << 16)) {
            byte[] bx = new byte[1 << 16], by = new byte[1 << 16];
            while (true) {
                int nx = x.readNBytes(bx, 0, bx.length);
                int ny = y.readNBytes(by, 0, by.length);
                if (nx != ny || !Arrays.equals(bx, 0, nx, by, 0, ny)) return false;
                if (nx == 0) return true;
            }
        }
    }
}
