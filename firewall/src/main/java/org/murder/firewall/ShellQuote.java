package org.murder.firewall;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Renders a command line for a POSIX shell: plain words as they are, others in double quotes. */
final class ShellQuote {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:,=@%+-]+");

    private ShellQuote() {
    }

    static String quote(String word) {
        if (PLAIN.matcher(word).matches()) {
            return word;
        }
        return "\"" + word.replaceAll("([\"\\\\$`])", "\\\\$1") + "\"";
    }

    static String join(List<String> argv) {
        return argv.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
    }
}
