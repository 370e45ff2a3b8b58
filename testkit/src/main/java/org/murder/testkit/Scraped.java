package org.murder.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A page of the Prometheus text format, parsed: each sample by its series (name and labels, as
 * written) and the metric families it declares. Enough for tests; promtool checks the format.
 */
public final class Scraped {
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)(\\s+\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String text;
    private final Map<String, Double> samples = new LinkedHashMap<>();
    private final Map<String, String> types = new LinkedHashMap<>();

    private Scraped(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                types.put(parts[2], parts[3]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                Matcher m = SAMPLE.matcher(line);
                if (!m.matches()) {
                    throw new IllegalArgumentException("not a sample line: " + line);
                }
                samples.put(m.group(1) + canonical(m.group(2)), Double.parseDouble(m.group(3)));
            }
        }
    }

    public static Scraped parse(String text) {
        return new Scraped(text);
    }

    /** GETs {@code url} (a /metrics page) and parses it; fails on a status other than 200. */
    public static Scraped get(URI url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return new Scraped(r.body());
    }

    /** Labels sorted by name, so a test writes them in any order: {@code {a="1",b="2"}}. */
    private static String canonical(String labels) {
        if (labels == null || labels.equals("{}")) {
            return "";
        }
        Map<String, String> sorted = new java.util.TreeMap<>();
        Matcher m = LABEL.matcher(labels);
        while (m.find()) {
            sorted.put(m.group(1), m.group(2));
        }
        StringBuilder sb = new StringBuilder("{");
        sorted.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append(k).append("=\"").append(v).append('"'));
        return sb.append('}').toString();
    }

    /** The value of {@code series} (like {@code murder_agent_jobs_total{result="done"}}), if present. */
    public OptionalDouble find(String series) {
        int brace = series.indexOf('{');
        String key = brace < 0 ? series : series.substring(0, brace) + canonical(series.substring(brace));
        Double v = samples.get(key);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** The value of {@code series}; fails naming the page when it is absent. */
    public double value(String series) {
        return find(series).orElseThrow(() -> new AssertionError("no series " + series + " in:\n" + text));
    }

    /** The sum of every series of {@code name}, whatever their labels. */
    public double sum(String name) {
        return samples.entrySet().stream().filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** Every family declared by {@code # TYPE}, with its type. */
    public Map<String, String> types() {
        return Map.copyOf(types);
    }

    /** Every sample name (histograms' {@code _bucket}, {@code _sum} and {@code _count} included). */
    public Set<String> sampleNames() {
        Set<String> names = new LinkedHashSet<>();
        samples.keySet().forEach(k -> names.add(k.contains("{") ? k.substring(0, k.indexOf('{')) : k));
        return names;
    }

    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
