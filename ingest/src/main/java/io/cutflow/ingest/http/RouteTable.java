package io.cutflow.ingest.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which methods each route serves, so that a known path asked with another method answers 405 with
 * {@code Allow} (Javalin answers 404 for it, and its own 405 option sends no {@code Allow}).
 */
final class RouteTable {
  private static final Pattern PARAM = Pattern.compile("\\{[^}/]+}");

  private record Route(String method, Pattern path) {}

  private final List<Route> routes = new ArrayList<>();

  /** Records a route; {@code path} as Javalin takes it, with {@code {name}} parameters. */
  void add(String method, String path) {
    StringBuilder regex = new StringBuilder();
    Matcher m = PARAM.matcher(path);
    int last = 0;
    while (m.find()) {
      regex.append(Pattern.quote(path.substring(last, m.start()))).append("[^/]+");
      last = m.end();
    }
    regex.append(Pattern.quote(path.substring(last))).append("/?");
    routes.add(new Route(method, Pattern.compile(regex.toString())));
  }

  /**
   * The methods served on {@code path}, sorted; empty when no route has this path. A GET route
   * serves HEAD too (Javalin answers HEAD for every GET route).
   */
  Set<String> allowed(String path) {
    Set<String> methods = new TreeSet<>();
    for (Route r : routes) {
      if (r.path().matcher(path).matches()) {
        methods.add(r.method());
        if (r.method().equals("GET")) {
          methods.add("HEAD");
        }
      }
    }
    return methods;
  }
}
