package io.kernelhub.hub.manifest;

import io.kernelhub.core.version.Version;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * A kernel's {@code maven-metadata.xml}: the versions a hub holds, in the format Maven
 * repository managers write, so the hub can live in one.
 *
 * @param org      groupId
 * @param name     artifactId
 * @param versions every version, sorted ascending (entries that are not kernel versions, such as
 *                 a repository manager's own, are skipped when reading)
 */
public record MavenMetadata(String org, String name, List<Version> versions) {

    public static final int MAX_BYTES = 1 << 20;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    public MavenMetadata {
        versions = List.copyOf(new TreeSet<>(versions));
    }

    /** The newest release (what an id without a version spec gets), or null. */
    public Version release() {
        Version best = null;
        for (Version v : versions) {
            if (!v.isPrerelease()) best = v;
        }
        return best;
    }

    public MavenMetadata with(Version v) {
        List<Version> all = new ArrayList<>(versions);
        all.add(v);
        return new MavenMetadata(org, name, all);
    }

    /** Parses the XML; {@link ManifestException} for anything malformed, a DOCTYPE included. */
    public static MavenMetadata parse(byte[] xml) {
        if (xml == null || xml.length == 0) {
            throw new ManifestException("empty maven-metadata.xml");
        }
        if (xml.length > MAX_BYTES) {
            throw new ManifestException("maven-metadata.xml is " + xml.length + " bytes, over the limit of " + MAX_BYTES);
        }
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler()); // errors become exceptions, not stderr noise
            doc = b.parse(new ByteArrayInputStream(xml));
        } catch (Exception e) { // SAXException, IOException, ParserConfigurationException alike
            throw new ManifestException("maven-metadata.xml is not well-formed XML: " + e.getMessage());
        }
        Element root = doc.getDocumentElement();
        if (root == null || !"metadata".equals(root.getTagName())) {
            throw new ManifestException("maven-metadata.xml: the root element must be <metadata>");
        }
        String org = child(root, "groupId");
        String name = child(root, "artifactId");
        if (org == null || name == null) {
            throw new ManifestException("maven-metadata.xml: <groupId> and <artifactId> are required");
        }
        List<Version> versions = new ArrayList<>();
        NodeList vs = root.getElementsByTagName("version");
        for (int i = 0; i < vs.getLength(); i++) {
            Node n = vs.item(i);
            if (n.getParentNode() != null && "versions".equals(n.getParentNode().getNodeName())) {
                String t = n.getTextContent().trim();
                if (Version.isValid(t)) {
                    versions.add(Version.parse(t));
                }
            }
        }
        return new MavenMetadata(org, name, versions);
    }

    private static String child(Element e, String tag) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(tag)) {
                return c.getTextContent().trim();
            }
        }
        return null;
    }

    public byte[] write() {
        try {
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
            Element root = doc.createElement("metadata");
            doc.appendChild(root);
            add(doc, root, "groupId", org);
            add(doc, root, "artifactId", name);
            Element versioning = doc.createElement("versioning");
            root.appendChild(versioning);
            if (!versions.isEmpty()) {
                add(doc, versioning, "latest", versions.getLast().toString());
            }
            if (release() != null) {
                add(doc, versioning, "release", release().toString());
            }
            Element list = doc.createElement("versions");
            versioning.appendChild(list);
            for (Version v : versions) {
                add(doc, list, "version", v.toString());
            }
            add(doc, versioning, "lastUpdated", ZonedDateTime.now(ZoneOffset.UTC).format(STAMP));
            Transformer t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            t.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            t.transform(new DOMSource(doc), new StreamResult(out));
            return out.toByteArray();
        } catch (Exception e) {
            throw new IllegalStateException("cannot write maven-metadata.xml", e);
        }
    }

    private static void add(Document doc, Element parent, String tag, String text) {
        Element e = doc.createElement(tag);
        e.setTextContent(text);
        parent.appendChild(e);
    }
}
