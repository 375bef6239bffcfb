package io.kernelhub.hub.transport;

import io.kernelhub.hub.Digests;
import io.kernelhub.hub.HubException;
import io.kernelhub.hub.HubFiles;
import io.kernelhub.hub.SecureDirectories;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;

/** A hub in a local directory ({@code file:} URL). */
public record FileHubSource(URI uri) implements HubSource {

    public Path root() {
        return Path.of(uri);
    }

    private Path resolve(String path) {
        Path p = root().resolve(path).normalize();
        if (!p.startsWith(root().normalize())) {
            throw new HubException("path '" + path + "' leaves the hub directory " + root());
        }
        return p;
    }

    @Override
    public Optional<byte[]> fetch(String path, int maxBytes) {
        Path p = resolve(path);
        try {
            if (Files.size(p) > maxBytes) {
                throw new HubException(uri + path + " is larger than " + maxBytes + " bytes; refusing it");
            }
            return Optional.of(Files.readAllBytes(p));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new HubException("cannot read " + p + " from hub " + uri + ": " + e, e);
        }
    }

    @Override
    public String download(String path, Path partial, long expectedSize, TransferListener listener) {
        Path src = resolve(path);
        MessageDigest md = Digests.sha256();
        // a link at the partial file is refused, never written through (NOFOLLOW_LINKS also closes the race)
        SecureDirectories.requireOwnFile(partial, "the partial download");
        try (InputStream in = Files.newInputStream(src);
                OutputStream out = HubFiles.openPrivateForWriting(partial, false)) { // no link followed; 0600 when new
            listener.started(path, Files.size(src), 0);
            byte[] buf = new byte[1 << 16];
            long done = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                out.write(buf, 0, n);
                done += n;
                if (expectedSize >= 0 && done > expectedSize) {
                    throw new HubException(src + " is larger than the " + expectedSize + " bytes its manifest declares");
                }
                listener.progressed(done);
            }
            listener.finished();
            return Digests.hex(md.digest());
        } catch (NoSuchFileException e) {
            throw new HubException("hub " + uri + " lists " + path + " in its manifest but does not have the file");
        } catch (IOException e) {
            throw new HubException("cannot copy " + src + " from hub " + uri + ": " + e, e);
        }
    }
}
