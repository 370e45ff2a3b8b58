package org.murder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LogThrottleTest {
    @Test
    void letsThroughItsShareOfAWindowAndCountsTheRest() {
        LogThrottle throttle = new LogThrottle(3_600_000, 2);
        assertEquals(0, throttle.acquire());
        assertEquals(0, throttle.acquire());
        assertEquals(-1, throttle.acquire());
        assertEquals(-1, throttle.acquire());
        assertEquals(" (2 similar lines held back)", LogThrottle.suffix(2));
        assertEquals("", LogThrottle.suffix(0));
    }
}
