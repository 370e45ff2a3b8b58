#!/bin/sh
# AsciiDoc man pages of murder and every command, from the picocli model (the Maven build runs this;
# asciidoctor then makes the troff pages): scripts/deb/man-adoc.sh CLASSPATH OUTDIR
set -eu
cp=${1:?usage: man-adoc.sh CLASSPATH OUTDIR}
out=${2:?usage: man-adoc.sh CLASSPATH OUTDIR}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
rm -rf "$out"
# org.murder.cli.Murder through picocli's own factory: the built-in defaults, never this machine's
# /etc/murder/murder.conf or MURDER_* variables (those come in through murder's Cli.configure only)
"$java" -cp "$cp" picocli.codegen.docgen.manpage.ManPageGenerator --outdir="$out" org.murder.cli.Murder
# A bracket glued to a word in a parameter label (HOST:PORT[,...], ROLE[,ROLE]) reads to AsciiDoc as
# the attribute list of the next formatted span and eats half the synopsis: make those literal.
for f in "$out"/*.adoc; do
  sed -E -e ':a' -e 's/([A-Za-z0-9])\[([^][*]*)\]/\1{startsb}\2{endsb}/' -e 'ta' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
done
