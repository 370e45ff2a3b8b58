package org.murder.orchestrator.deploy;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.murder.orchestrator.job.AgentInfo;

/** Chooses agents by name globs and roles, minus exclusions: a host matches a name glob or has one of the roles. */
final class TargetSelector {
    private final List<PathMatcher> include;
    private final List<String> roles;
    private final List<PathMatcher> exclude;

    TargetSelector(List<String> hostGlobs, List<String> roles, List<String> excludeGlobs) {
        this.include = hostGlobs.stream().map(TargetSelector::glob).toList();
        this.roles = List.copyOf(roles);
        this.exclude = excludeGlobs.stream().map(TargetSelector::glob).toList();
    }

    private static PathMatcher glob(String g) {
        return FileSystems.getDefault().getPathMatcher("glob:" + g);
    }

    List<AgentInfo> select(List<AgentInfo> agents) {
        List<AgentInfo> out = new ArrayList<>();
        for (AgentInfo a : agents) {
            Path name = Path.of(a.name());
            boolean wanted = include.stream().anyMatch(m -> m.matches(name)) || a.roles().stream().anyMatch(roles::contains);
            boolean unwanted = exclude.stream().anyMatch(m -> m.matches(name));
            if (wanted && !unwanted) {
                out.add(a);
            }
        }
        out.sort(Comparator.comparing(AgentInfo::name));
        return out;
    }

}
