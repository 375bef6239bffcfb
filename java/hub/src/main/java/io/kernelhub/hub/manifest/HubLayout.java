package io.kernelhub.hub.manifest;

import io.kernelhub.core.version.Version;

/**
 * Paths inside a hub, which is laid out as a Maven repository (kernel {@code org/name} is
 * groupId {@code org}, artifactId {@code name}). All paths are relative and use '/'.
 */
public final class HubLayout {
    private HubLayout() {}

    /** {@code org/name/maven-metadata.xml} (the org is one path segment: ids have no dots-as-slashes). */
    public static String metadata(String org, String name) {
        return org + "/" + name + "/maven-metadata.xml";
    }

    /** {@code org/name/kernel-index.json}: the signed version index (see trust.KernelIndex). */
    public static String index(String org, String name) {
        return org + "/" + name + "/kernel-index.json";
    }

    /** {@code org/kernelhub-revocations.json}: the org's signed list of withdrawn keys. */
    public static String revocations(String org) {
        return org + "/kernelhub-revocations.json";
    }

    /**
     * Files a publisher rewrites (the version lists, the signed index and revocation list, and
     * signature files that gain co-signatures); every other published file is immutable. Clients
     * never trust these because of where they are, only because of their signatures.
     */
    public static boolean isMutable(String fileName) {
        return fileName.equals("maven-metadata.xml") || fileName.equals("kernel-index.json")
                || fileName.equals("kernelhub-revocations.json") || fileName.endsWith(".kernel.json.sig");
    }

    public static String versionDir(String org, String name, Version v) {
        return org + "/" + name + "/" + v + "/";
    }

    public static String manifestFile(String name, Version v) {
        return name + "-" + v + ".kernel.json";
    }

    public static String manifest(String org, String name, Version v) {
        return versionDir(org, name, v) + manifestFile(name, v);
    }

    public static String signature(String org, String name, Version v) {
        return manifest(org, name, v) + ".sig";
    }

    public static String archiveFile(String name, Version v, String variant) {
        return name + "-" + v + "-" + variant + ".tar.gz";
    }

    public static String archive(String org, String name, Version v, String variant) {
        return versionDir(org, name, v) + archiveFile(name, v, variant);
    }
}
