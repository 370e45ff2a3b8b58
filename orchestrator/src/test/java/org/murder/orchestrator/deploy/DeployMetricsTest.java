package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.job.HostReport;

/** murder_deploy_hosts: its states add up to the hosts followed, whatever state each is in. */
class DeployMetricsTest {
    @Test
    void everyHostIsInOneStateWhileActivatingReadyOrRolledBack() {
        PrometheusRegistry registry = new PrometheusRegistry();
        DeployMetrics metrics = new DeployMetrics(registry);
        HostReport accepted = HostReport.accepted(100, 1_000);
        metrics.hosts(List.of("a", "b", "c", "d"), Map.of("a", accepted.in(HostReport.ACTIVATING, List.of(), "v1", false),
                "b", accepted.in(HostReport.READY, List.of(), "v1", false), "c", accepted.progress(50, 0, 1)));
        Map<String, Double> now = hosts(registry);
        assertEquals(4.0, now.values().stream().mapToDouble(Double::doubleValue).sum(), now.toString());
        assertEquals(1.0, now.get("activating"));
        assertEquals(1.0, now.get("ready"));
        assertEquals(1.0, now.get("pending"));

        metrics.finished(List.of(outcome("a", "done"), outcome("b", "rolled-back"), outcome("c", "rollback-failed"),
                outcome("d", "something-new")));
        Map<String, Double> end = hosts(registry);
        assertEquals(4.0, end.values().stream().mapToDouble(Double::doubleValue).sum(), end.toString());
        assertEquals(1.0, end.get("rolled-back"));
        assertEquals(1.0, end.get("rollback-failed"));
        assertEquals(1.0, end.get("other"));
    }

    private static HostOutcome outcome(String host, String result) {
        return new HostOutcome(host, result, 1, 100, "", "", 0, 0, 0);
    }

    private static Map<String, Double> hosts(PrometheusRegistry registry) {
        Map<String, Double> byState = new java.util.TreeMap<>();
        for (var snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getName().equals("murder_deploy_hosts")) {
                for (GaugeSnapshot.GaugeDataPointSnapshot p : ((GaugeSnapshot) snapshot).getDataPoints()) {
                    byState.put(p.getLabels().get("state"), p.getValue());
                }
            }
        }
        return byState;
    }
}
