package org.murder.core.bencode;

import java.util.List;

/** A bencoded list. */
public record BList(List<BValue> items) implements BValue {
    public BList {
        items = List.copyOf(items);
    }

    public static BList of(BValue... items) {
        return new BList(List.of(items));
    }

    @Override
    public String typeName() {
        return "list";
    }
}
