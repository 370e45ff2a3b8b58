package org.murder.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.murder.core.cli.JsonOutput;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.murder.core.ByteSize;
import org.murder.core.Printable;
import org.murder.core.cli.LoggingOptions;
import org.murder.core.metainfo.MetaInfo;
import org.murder.core.metainfo.TorrentFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code murder info}: what a .torrent holds, laid out like {@code transmission-show}. */
@Command(name = "info", description = "Show a .torrent: name, size, files, pieces, infohash, trackers, private flag.",
        footer = {"", "Example:", "  murder info v42.torrent", "  murder info --hash v42.torrent   # just the infohash, for scripts"})
public final class InfoCommand implements Callable<Integer> {
    private static final DateTimeFormatter CREATED = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT);

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Parameters(paramLabel = "TORRENT", description = "The .torrent file.")
    Path torrent;

    @Option(names = "--hash", description = "Print only the infohash (40 hex digits); with --json, the whole document.")
    boolean hashOnly;

    @Mixin
    JsonOutput json = new JsonOutput();

    /** What {@code --json} prints: the torrent's fields as they are, escaped only by JSON. */
    static Map<String, Object> document(MetaInfo m) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", m.name());
        doc.put("infoHash", m.infoHash().toHex());
        doc.put("size", m.totalLength());
        doc.put("pieceLength", m.pieceLength());
        doc.put("pieces", m.pieceCount());
        doc.put("private", m.isPrivate());
        doc.put("createdBy", m.createdBy().orElse(null));
        doc.put("creationDate", m.creationDate().map(Object::toString).orElse(null));
        doc.put("comment", m.comment().orElse(null));
        doc.put("trackers", m.trackerTiers());
        List<Map<String, Object>> files = new ArrayList<>();
        for (TorrentFile f : m.files()) {
            if (f.padding()) {
                continue;
            }
            Map<String, Object> file = new LinkedHashMap<>();
            file.put("path", m.isMultiFile() ? m.name() + "/" + f.joinedPath() : f.joinedPath());
            file.put("length", f.length());
            files.add(file);
        }
        doc.put("files", files);
        doc.put("padding", m.paddingBytes());
        return doc;
    }

    @Override
    public Integer call() {
        MetaInfo m = MetaInfo.read(torrent, MetaInfo.MAX_TORRENT_FILE_SIZE_TO_LIST);
        PrintWriter out = spec.commandLine().getOut();
        // --json given with --hash: JSON (the infohash is in it); --json from murder.conf or the environment does not
        // turn a script's 'murder info --hash' into a document
        if (json.enabled() && (!hashOnly || spec.commandLine().getParseResult().hasMatchedOption("--json"))) {
            JsonOutput.print(out, document(m));
            return 0;
        }
        if (hashOnly) {
            out.println(m.infoHash().toHex());
            out.flush();
            return 0;
        }
        out.println("Name: " + m.name());
        out.println("File: " + org.murder.core.Printable.escape(torrent.toString()));
        out.println();
        out.println("GENERAL");
        out.println();
        out.println("  Name: " + m.name());
        out.println("  Hash: " + m.infoHash().toHex());
        out.println("  Created by: " + Printable.escape(m.createdBy().orElse("Unknown")));
        out.println("  Created on: " + m.creationDate().map(d -> CREATED.format(d.atZone(ZoneId.systemDefault()))).orElse("Unknown"));
        m.comment().ifPresent(c -> out.println("  Comment: " + Printable.escape(c)));
        out.println("  Piece Count: " + m.pieceCount());
        out.println("  Piece Size: " + ByteSize.format(m.pieceLength()));
        out.printf(Locale.ROOT, "  Total Size: %s (%d bytes)%n", ByteSize.format(m.totalLength()), m.totalLength());
        out.println("  Privacy: " + (m.isPrivate() ? "Private torrent" : "Public torrent"));
        out.println();
        out.println("TRACKERS");
        List<List<String>> tiers = m.trackerTiers();
        for (int t = 0; t < tiers.size(); t++) {
            out.println();
            out.println("  Tier #" + (t + 1));
            tiers.get(t).forEach(url -> out.println("  " + Printable.escape(url)));
        }
        out.println();
        out.println("FILES");
        out.println();
        for (TorrentFile f : m.files()) {
            if (f.padding()) {
                continue;
            }
            String path = m.isMultiFile() ? m.name() + "/" + f.joinedPath() : f.joinedPath();
            out.println("  " + path + " (" + ByteSize.format(f.length()) + ")");
        }
        long padding = m.paddingBytes();
        if (padding > 0) {
            out.printf(Locale.ROOT, "  (and %d bytes of BEP 47 padding: zeros that align files to pieces, never on disk)%n", padding);
        }
        out.flush();
        return 0;
    }
}
