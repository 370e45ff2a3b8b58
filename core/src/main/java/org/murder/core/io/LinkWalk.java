package org.murder.core.io;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * Where a symbolic link inside a release leads, walked as the kernel walks a path: component by
 * component from the link's directory, following the release's own links on the way. Pure: the
 * release's links are a function from a name ({@code a/b/c}, relative to the release) to its link
 * text, or null when that name is not a link. The deploy host's packer and every agent's unpack
 * judge links with this one walk, so a release the packer accepts is one the agents unpack.
 */
public final class LinkWalk {
    /** The kernel's limit on links followed in one path walk (Linux: 40). */
    public static final int MAX_HOPS = 40;

    /** Where a link leads: into the release, out of it, or around a loop of links. */
    public enum Resolution { INSIDE, OUTSIDE, LOOP }

    private LinkWalk() {
    }

    /** Where {@code target}, read in the directory {@code from} (its components), leads. */
    public static Resolution resolve(List<String> from, String target, Function<String, String> linkTargetOf) {
        Deque<String> path = new ArrayDeque<>(from);
        Deque<String> todo = new ArrayDeque<>(List.of(target.split("/")));
        int hops = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (path.isEmpty()) {
                    return Resolution.OUTSIDE;
                }
                path.pollLast();
                continue;
            }
            path.addLast(c);
            String next = linkTargetOf.apply(String.join("/", path));
            if (next != null) {
                if (++hops > MAX_HOPS) {
                    return Resolution.LOOP;
                }
                if (next.startsWith("/")) {
                    return Resolution.OUTSIDE;
                }
                path.pollLast();
                String[] more = next.split("/");
                for (int i = more.length - 1; i >= 0; i--) {
                    todo.addFirst(more[i]);
                }
            }
        }
        return Resolution.INSIDE;
    }

    /** The components of the directory holding {@code name} ({@code a/b/c}: a, b). */
    public static List<String> parentOf(String name) {
        int slash = name.lastIndexOf('/');
        return slash < 0 ? List.of() : List.of(name.substring(0, slash).split("/"));
    }
}
