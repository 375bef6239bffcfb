package io.kernelhub.cli;

import io.kernelhub.core.attention.HubKernelId;
import io.kernelhub.core.version.Version;
import io.kernelhub.hub.HubSettings;
import io.kernelhub.hub.manifest.HubLayout;
import io.kernelhub.hub.publish.HubTarget;
import io.kernelhub.hub.publish.IndexPublisher;
import io.kernelhub.hub.trust.KernelIndex;
import io.kernelhub.hub.trust.KeyRing;
import io.kernelhub.hub.trust.ManifestSignature;
import io.kernelhub.hub.trust.RevocationList;
import io.kernelhub.hub.trust.SignedEnvelope;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kernelhub index show|yank|unyank|refresh|cosign|revoke-key}: the publisher's side of a
 * kernel's signed index and an org's revocation list (docs/SECURITY.md). Every change re-signs
 * with this machine's signing key.
 */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Show or change a kernel's signed version index on a hub (yank, refresh before it expires, co-sign "
                + "with a new key), or revoke a key for an org.",
        subcommands = {IndexCommand.Show.class, IndexCommand.Yank.class, IndexCommand.Unyank.class, IndexCommand.Refresh.class,
                IndexCommand.Cosign.class, IndexCommand.RevokeKey.class})
final class IndexCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.USAGE;
    }

    /** The hub and the index lifetime, shared by the subcommands. */
    static final class HubOptions {
        @Option(names = "--hub", paramLabel = "URL", description = "The hub (default: the local hub, KERNELHUB_HOME/hub).")
        String hub;

        @Option(names = "--expires-days", paramLabel = "DAYS", defaultValue = "30",
                description = "How long the re-signed index stays valid (default: ${DEFAULT-VALUE}).")
        int expiresDays;

        HubTarget target() {
            HubSettings s = HubCommands.settings();
            return HubTarget.of(hub != null ? hub : s.localHub().toUri().toString(), s.token());
        }

        IndexPublisher publisher() {
            if (expiresDays < 1 || expiresDays > 3650) {
                throw new IllegalArgumentException("--expires-days must be between 1 and 3650, got " + expiresDays);
            }
            return new IndexPublisher(new KeyRing(HubCommands.settings().keysDir()), Duration.ofDays(expiresDays));
        }
    }

    static HubKernelId kernel(String id) {
        HubKernelId k = HubKernelId.parse(id);
        if (k.op() != null) throw new IllegalArgumentException("give a kernel id without :op, got " + id);
        return k;
    }

    static Version exactVersion(String id) {
        HubKernelId k = kernel(id);
        if (k.versionSpec() == null || !Version.isValid(k.versionSpec())) {
            throw new IllegalArgumentException("name one version: ORG/NAME@X.Y.Z, got " + id);
        }
        return Version.parse(k.versionSpec());
    }

    static void report(CommandSpec spec, String what, IndexPublisher.Outcome r) {
        PrintWriter o = spec.commandLine().getOut();
        o.println(what + ": index serial " + r.index().serial() + ", expires " + r.index().expires()
                + (r.signedBy().isEmpty() ? " (unsigned: no signing key; only this machine's own hub accepts it)"
                        : ", signed by " + String.join(", ", r.signedBy())));
        o.flush();
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print a kernel's index as the hub serves it.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        HubOptions hub;
        @Parameters(paramLabel = "ID", description = "org/name")
        String id;

        @Override
        public Integer call() {
            HubKernelId k = kernel(id);
            byte[] raw = hub.target().get(HubLayout.index(k.org(), k.name())).orElseThrow(() -> new IllegalArgumentException(
                    k.kernel() + " has no signed index at " + hub.target().uri() + " (publish it, or run kernelhub index refresh)"));
            SignedEnvelope env = SignedEnvelope.parse(raw, "the index");
            KernelIndex idx = KernelIndex.parse(env.payload());
            PrintWriter o = spec.commandLine().getOut();
            o.println(idx.kernel() + ": serial " + idx.serial() + ", expires " + idx.expires() + ", signed by "
                    + (env.signatures().isEmpty() ? "nobody" : String.join(", ", env.signatures().stream()
                            .map(ManifestSignature::keyId).toList())));
            idx.versions().forEach((v, e) -> o.println("  " + v + "  manifest sha256 " + e.manifestSha256()
                    + (e.isYanked() ? "  YANKED: " + e.yanked() : "")));
            o.flush();
            return ExitCodes.OK;
        }
    }

    /** A change to one kernel's index: the shared hub options and id, one re-signing step, one report line. */
    abstract static class IndexChange implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        HubOptions hub;

        abstract String id();

        abstract IndexPublisher.Outcome change(IndexPublisher publisher, HubTarget target, HubKernelId kernel);

        abstract String done(HubKernelId kernel);

        @Override
        public Integer call() {
            HubKernelId k = kernel(id());
            report(spec, done(k), change(hub.publisher(), hub.target(), k));
            return ExitCodes.OK;
        }
    }

    @Command(name = "yank", mixinStandardHelpOptions = true,
            description = "Withdraw a version: ranges skip it, an exact pin still loads it with a warning.")
    static final class Yank extends IndexChange {
        @Parameters(paramLabel = "ID@VERSION", description = "org/name@X.Y.Z")
        String id;
        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (users see it).")
        String reason;

        String id() {
            return id;
        }

        IndexPublisher.Outcome change(IndexPublisher p, HubTarget t, HubKernelId k) {
            return p.yank(t, k.org(), k.name(), exactVersion(id), reason);
        }

        String done(HubKernelId k) {
            return "yanked " + k.kernel() + " " + exactVersion(id);
        }
    }

    @Command(name = "unyank", mixinStandardHelpOptions = true, description = "Restore a yanked version.")
    static final class Unyank extends IndexChange {
        @Parameters(paramLabel = "ID@VERSION", description = "org/name@X.Y.Z")
        String id;

        String id() {
            return id;
        }

        IndexPublisher.Outcome change(IndexPublisher p, HubTarget t, HubKernelId k) {
            return p.yank(t, k.org(), k.name(), exactVersion(id), null);
        }

        String done(HubKernelId k) {
            return "restored " + k.kernel() + " " + exactVersion(id);
        }
    }

    @Command(name = "refresh", mixinStandardHelpOptions = true,
            description = "Re-sign the index with a higher serial and a new expiry (run it before the index expires).")
    static final class Refresh extends IndexChange {
        @Parameters(paramLabel = "ID", description = "org/name")
        String id;

        String id() {
            return id;
        }

        IndexPublisher.Outcome change(IndexPublisher p, HubTarget t, HubKernelId k) {
            return p.refresh(t, k.org(), k.name());
        }

        String done(HubKernelId k) {
            return "refreshed " + k.kernel();
        }
    }

    @Command(name = "cosign", mixinStandardHelpOptions = true,
            description = "Add this machine's signature to the index and every listed manifest (key rotation: sign with "
                    + "the new key, let users trust it, then revoke the old one).")
    static final class Cosign extends IndexChange {
        @Parameters(paramLabel = "ID", description = "org/name")
        String id;

        String id() {
            return id;
        }

        IndexPublisher.Outcome change(IndexPublisher p, HubTarget t, HubKernelId k) {
            return p.cosign(t, k.org(), k.name());
        }

        String done(HubKernelId k) {
            return "co-signed " + k.kernel();
        }
    }

    @Command(name = "revoke-key", mixinStandardHelpOptions = true,
            description = "Add a key to the org's signed revocation list: clients that see it accept nothing signed by "
                    + "that key for the org, ever again.")
    static final class RevokeKey implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        HubOptions hub;
        @Parameters(paramLabel = "KEY_ID", description = "16 hex digits (kernelhub trust list)")
        String keyId;
        @Option(names = "--org", required = true, paramLabel = "ORG", description = "The org the key is withdrawn for.")
        String org;
        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (e.g. key compromised).")
        String reason;

        @Override
        public Integer call() {
            if (!keyId.matches("[0-9a-f]{16}")) throw new IllegalArgumentException("a key id is 16 hex digits, got " + keyId);
            RevocationList l = hub.publisher().revoke(hub.target(), org, keyId, reason);
            spec.commandLine().getOut().println("revoked key " + keyId + " for '" + org + "' (revocation list serial "
                    + l.serial() + ", " + l.revoked().size() + " key(s))");
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}
