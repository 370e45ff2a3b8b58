package org.murder.orchestrator.agent;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One agent's identity and defaults.
 *
 * @param name     the name it registers under; unique per ensemble (defaults to the hostname)
 * @param roles    roles a deploy can target with {@code --role}
 * @param destRoot where releases go when a job names no destination
 * @param ip       the address it advertises
 */
public record AgentSettings(String name, List<String> roles, Path destRoot, String ip) {
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    public AgentSettings {
        roles = List.copyOf(roles);
        if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("--name '" + org.murder.core.Printable.escape(name) + "' (expected: letters, digits, '.', '_' or '-')");
        }
        for (String r : roles) {
            if (!NAME.matcher(r).matches() || r.equals(".") || r.equals("..")) { // a role names a directory of --overlay-dir
                throw new IllegalArgumentException("--roles: '" + org.murder.core.Printable.escape(r)
                        + "' (expected: letters, digits, '.', '_' or '-', not '.' or '..')");
            }
        }
    }
}
