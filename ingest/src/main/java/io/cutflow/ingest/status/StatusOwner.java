package io.cutflow.ingest.status;

/**
 * Which ingest instance holds a job's status: this one, another one (its advertised HTTP host and
 * port), or none known right now (starting, or a rebalance has not settled).
 */
public sealed interface StatusOwner {
  /** This instance holds the job's partition. */
  StatusOwner LOCAL = new Local();

  /** This instance. */
  record Local() implements StatusOwner {}

  /** Another instance, at its advertised {@code application.server}. */
  record Remote(String host, int port) implements StatusOwner {
    /** {@code http://host:port}. */
    public String baseUrl() {
      String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
      return "http://" + h + ":" + port;
    }
  }

  /** No owner known; {@code reason} says why. */
  record Unknown(String reason) implements StatusOwner {}
}
