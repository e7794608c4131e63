package io.cutflow.standalone.fault;

import io.cutflow.worker.supervisor.SupervisorStats;
import java.util.Arrays;
import java.util.LongSummaryStatistics;

/**
 * The resident memory of each slot's active worker over a run: the first sample taken at each tenth
 * of the jobs done, and min/max/mean over every sample.
 */
final class RssCurve {
  private final int jobs;
  private final long[][] atTenth; // [slot][tenth] MB, -1 = no sample
  private final LongSummaryStatistics[] all;
  private final String[] last;

  RssCurve(int slots, int jobs) {
    this.jobs = jobs;
    this.atTenth = new long[slots][11];
    this.all = new LongSummaryStatistics[slots];
    this.last = new String[slots];
    for (int s = 0; s < slots; s++) {
      Arrays.fill(atTenth[s], -1);
      all[s] = new LongSummaryStatistics();
      last[s] = "-";
    }
  }

  void sample(SupervisorStats st, int done) {
    int tenth = (int) Math.min(10, (long) done * 10 / Math.max(1, jobs));
    for (SupervisorStats.SlotState slot : st.slots()) {
      int s = slot.slot();
      long mb = slot.activeRssBytes() < 0 ? -1 : slot.activeRssBytes() >> 20;
      last[s] = mb < 0 ? "-" : Long.toString(mb);
      if (mb > 0) {
        all[s].accept(mb);
        if (atTenth[s][tenth] < 0) {
          atTenth[s][tenth] = mb;
        }
      }
    }
  }

  /** The latest sample of each slot, {@code ;}-separated (MB, {@code -} between workers). */
  String lastRow() {
    return String.join(";", last);
  }

  void print() {
    for (int s = 0; s < atTenth.length; s++) {
      StringBuilder b = new StringBuilder("rss_mb_slot_" + s + "_by_jobs_done:");
      for (int t = 0; t <= 10; t++) {
        b.append(' ')
            .append(t * jobs / 10)
            .append('=')
            .append(atTenth[s][t] < 0 ? "-" : Long.toString(atTenth[s][t]));
      }
      LongSummaryStatistics a = all[s];
      if (a.getCount() > 0) {
        b.append(
            String.format(
                "; samples=%d min=%d mean=%.0f max=%d",
                a.getCount(), a.getMin(), a.getAverage(), a.getMax()));
      }
      System.out.println(b);
    }
  }
}
