package org.murder.orchestrator.job;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class JobTest {
    private static Job job(String id, String tag) {
        return Job.builder().id(id).type(Job.ROLLBACK).tag(tag).hosts(List.of("web-1")).selector("web-1").createdAt(1).deadline(2)
                .build();
    }

    @Test
    void theLongestTagMakesAJobIdAgentsAccept() {
        String tag = "v".repeat(100);
        assertDoesNotThrow(() -> job(tag + "-rollback-20261202T161844-3469", tag).validate());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {".v1", "..", ".", "-x", "a/b", "v1\n"})
    void aTagReleaseManagerWouldRefuseIsRefused(String tag) {
        // the agent would download the release, then fail to unpack it: the job is refused before that
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> job("v1-20261202T161844-3469", tag).validate());
        assertEquals("tag '" + org.murder.core.Printable.escape(tag)
                + "' (expected: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-')", e.getMessage());
    }

    @Test
    void aTagOfOneHundredAndOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> job("v1-20261202T161844-3469", "v".repeat(101)).validate());
    }

    @Test
    void anIdThatIsNotOneIsRefusedWithTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> job("../x", "v1").validate());
        assertEquals("id '../x' (expected: 1 to 140 letters, digits, '.', '_' or '-')", e.getMessage());
    }
}
