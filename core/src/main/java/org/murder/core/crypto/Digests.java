package org.murder.core.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SHA-1 and MD5 digests, from Amazon Corretto Crypto Provider (AWS-LC, native) when it loads
 * here, else from the JDK (said once in the log). Native digests matter twice: the JDK's MD5
 * and SHA-1 are only fast once C2 has compiled them into intrinsics, and the transfer commands
 * run with C1 only ({@code bin/murder} passes {@code -XX:TieredStopAtLevel=1} to peer, seed
 * and agent), because C2's compilations cost a short-lived peer more CPU than the whole SHA-1
 * of a 1 GiB download. {@code -Dmurder.digests=jdk} forces the JDK's digests, {@code accp} is
 * the default.
 */
public final class Digests {
    private static final Logger LOG = LoggerFactory.getLogger(Digests.class);
    private static final Provider PROVIDER = choose();

    private Digests() {
    }

    private static Provider choose() {
        if ("jdk".equalsIgnoreCase(System.getProperty("murder.digests"))) {
            LOG.debug("digests from the JDK (-Dmurder.digests=jdk)");
            return null;
        }
        try {
            AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
            if (accp.getLoadingError() == null) {
                LOG.debug("digests from {} {}", accp.getName(), accp.getVersionStr());
                return accp;
            }
            LOG.warn("Amazon Corretto Crypto Provider did not load ({}); using the JDK's digests (slow under -XX:TieredStopAtLevel=1: set MURDER_JAVA_OPTS=-XX:TieredStopAtLevel=4)", accp.getLoadingError().toString());
        } catch (Throwable t) {
            LOG.warn("Amazon Corretto Crypto Provider did not load ({}); using the JDK's digests (slow under -XX:TieredStopAtLevel=1: set MURDER_JAVA_OPTS=-XX:TieredStopAtLevel=4)", t.toString());
        }
        return null;
    }

    /** The provider name in use, for logs and benchmarks. */
    public static String providerName() {
        return PROVIDER == null ? Security.getProvider("SUN").getName() + " (JDK)" : PROVIDER.getName();
    }

    public static MessageDigest sha1() {
        return get("SHA-1");
    }

    public static MessageDigest md5() {
        return get("MD5");
    }

    private static MessageDigest get(String algorithm) {
        try {
            return PROVIDER == null ? MessageDigest.getInstance(algorithm) : MessageDigest.getInstance(algorithm, PROVIDER);
        } catch (NoSuchAlgorithmException e) {
            try {
                return MessageDigest.getInstance(algorithm);
            } catch (NoSuchAlgorithmException jdk) {
                throw new IllegalStateException(algorithm + " is not available in this JVM", jdk);
            }
        }
    }
}
