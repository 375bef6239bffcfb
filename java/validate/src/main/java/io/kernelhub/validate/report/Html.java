package io.kernelhub.validate.report;

/** Minimal HTML helpers for the self-contained reports. */
public final class Html {
    private Html() {}

    public static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    public static final String STYLE = "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
            + "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}"
            + "tr.failed{background:#fdd}tr.skipped{color:#888}tr.passed td.s{color:#070}.num{text-align:right}"
            + "code{background:#f4f4f4;padding:1px 4px}</style>";
}
