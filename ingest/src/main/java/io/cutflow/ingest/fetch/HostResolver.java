package io.cutflow.ingest.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Name to addresses, the one DNS lookup a URL fetch makes: {@link UrlFetcher} checks the answer and
 * then connects to exactly those addresses, so tests control DNS by passing their own resolver.
 */
@FunctionalInterface
public interface HostResolver {
  /** The system resolver. */
  HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

  /**
   * Every address of {@code host} (never an IP literal: the fetcher parses those itself).
   *
   * @throws UnknownHostException when the name does not resolve
   */
  List<InetAddress> resolve(String host) throws UnknownHostException;
}
