package org.murder.core.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SHA-1 and MD5 digests from the fastest provider that loads here. Amazon Corretto Crypto
 * Provider (AWS-LC) hashes SHA-1 about 3x faster than the JDK on this machine; when its native
 * library does not load we fall back to the JDK and say so once in the log.
 */
public final class Digests {
    private static final Logger LOG = LoggerFactory.getLogger(Digests.class);
    private static final Provider PROVIDER = choose();

    private Digests() {
    }

    private static Provider choose() {
        if (jdkHasShaInstructions()) {
            LOG.debug("digests from the JDK: this CPU has SHA instructions, which the JDK's SHA-1 uses");
            return null;
        }
        try {
            AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
            if (accp.getLoadingError() == null) {
                accp.assertHealthy();
                LOG.debug("digests from {} {}", accp.getName(), accp.getVersionStr());
                return accp;
            }
            LOG.info("Amazon Corretto Crypto Provider did not load ({}); using the JDK's digests", accp.getLoadingError().toString());
        } catch (Throwable t) {
            LOG.info("Amazon Corretto Crypto Provider did not load ({}); using the JDK's digests", t.toString());
        }
        return null;
    }

    /**
     * True when HotSpot uses the CPU's SHA extensions for SHA-1. Then the JDK hashes as fast as
     * AWS-LC (measured here: 1.6 GB/s both) and we skip loading the native provider, which costs
     * about 0.4 s at every start. {@code -Dmurder.digests=accp} forces the native provider.
     */
    private static boolean jdkHasShaInstructions() {
        if ("accp".equalsIgnoreCase(System.getProperty("murder.digests"))) {
            return false;
        }
        if ("jdk".equalsIgnoreCase(System.getProperty("murder.digests"))) {
            return true;
        }
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean != null && "true".equals(bean.getVMOption("UseSHA").getValue());
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
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
