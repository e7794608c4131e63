package io.cutflow.common.ops;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric table of {@code docs/metrics.md} and its check against what {@code /metrics} serves:
 * each module's {@code MetricsDocTest} registers what its process registers, scrapes it and asks
 * {@link #mismatches} for the rows of that process.
 */
public final class MetricsDoc {
  private static final Pattern TYPE_LINE = Pattern.compile("^# TYPE (\\S+) (\\S+)$");
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? ");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  /** One documented metric; {@code name} ending in {@code *} is a prefix. */
  public record Row(String name, String type, Set<String> labels, String process, String meaning) {
    boolean matches(String served) {
      return name.endsWith("*")
          ? served.startsWith(name.substring(0, name.length() - 1))
          : served.equals(name);
    }
  }

  /** A served family: its type and the label names its samples carry (without {@code quantile}). */
  public record Family(String type, Set<String> labels) {}

  private MetricsDoc() {}

  /** The rows of the table in {@code file} (the first Markdown table whose header is "metric"). */
  public static List<Row> read(Path file) throws IOException {
    List<Row> rows = new ArrayList<>();
    boolean in = false;
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith("| metric |")) {
        in = true;
        continue;
      }
      if (!in || line.startsWith("| ---")) {
        continue;
      }
      if (!line.startsWith("|")) {
        break;
      }
      String[] cells = line.split("\\|", -1);
      Set<String> labels = new TreeSet<>();
      for (String l : cells[3].replace("`", "").split(",")) {
        if (!l.isBlank()) {
          labels.add(l.strip());
        }
      }
      rows.add(
          new Row(
              cells[1].replace("`", "").strip(),
              cells[2].strip(),
              labels,
              cells[4].strip(),
              cells[5].strip()));
    }
    return rows;
  }

  /** The families of a Prometheus text-format scrape, by name. */
  public static Map<String, Family> families(String scrape) {
    Map<String, Family> out = new LinkedHashMap<>();
    String current = null;
    for (String line : scrape.split("\n")) {
      Matcher t = TYPE_LINE.matcher(line);
      if (t.matches()) {
        current = t.group(1);
        out.put(current, new Family(t.group(2), new TreeSet<>()));
        continue;
      }
      Matcher s = SAMPLE.matcher(line);
      if (current != null && s.find() && s.group(3) != null) {
        Matcher l = LABEL.matcher(s.group(3));
        while (l.find()) {
          if (!l.group(1).equals("quantile")) {
            out.get(current).labels().add(l.group(1));
          }
        }
      }
    }
    return out;
  }

  /** {@code registry} rendered as {@code /metrics} renders it. */
  public static String scrape(MetricRegistry registry) {
    CollectorRegistry prometheus = new CollectorRegistry();
    MetricNames.collector(registry).register(prometheus);
    StringWriter out = new StringWriter();
    try {
      TextFormat.write004(out, prometheus.metricFamilySamples());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * What disagrees between {@code scrape} and the rows of {@code processes}: a served family no row
   * documents (or with another type or labels), and a documented row nothing served matches. Empty
   * when they agree.
   */
  public static List<String> mismatches(List<Row> rows, String scrape, String... processes) {
    List<String> problems = new ArrayList<>();
    List<Row> mine =
        rows.stream().filter(r -> Arrays.asList(processes).contains(r.process())).toList();
    Map<String, Family> served = families(scrape);
    served.forEach(
        (name, family) -> {
          Row row = rows.stream().filter(r -> r.matches(name)).findFirst().orElse(null);
          if (row == null) {
            problems.add("served but not documented in docs/metrics.md: " + name);
          } else if (!row.name().endsWith("*")) {
            if (!row.type().equals(family.type())) {
              problems.add(name + ": served as " + family.type() + ", documented " + row.type());
            }
            if (!row.labels().equals(family.labels())) {
              problems.add(
                  name + ": served labels " + family.labels() + ", documented " + row.labels());
            }
          }
        });
    for (Row row : mine) {
      if (served.keySet().stream().noneMatch(row::matches)) {
        problems.add("documented for " + row.process() + " but not served: " + row.name());
      }
    }
    return problems;
  }
}
