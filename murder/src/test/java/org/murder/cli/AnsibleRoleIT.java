package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/ansible for real, with Debian's ansible-playbook against localhost (connection local),
 * inside a throw-away copy of this machine's root with a network namespace of its own
 * ({@link ThrowawayRoot}): site.yml installs the built .deb, writes murder.conf and the secret and
 * enables the services of both parts (no systemd runs there, so the test starts the agent with its
 * init.d script, as user murder, and a {@code murder zookeeper}); deploy.yml deploys a release to
 * the agent; the agent's release directory then holds it, activated.
 */
@Timeout(value = 360, unit = TimeUnit.SECONDS)
class AnsibleRoleIT {
    private static final Path ANSIBLE = Path.of("..", "scripts", "ansible").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private static final String SCRIPT = """
            set -e
            W=/tmp/murder-ansible-it
            mkdir -p $W/release
            export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_STDOUT_CALLBACK=default
            cat > $W/inventory <<INV
            [murder_agents]
            localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3
            [murder_deploy]
            localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3
            INV
            cat > $W/vars.json <<VARS
            {"murder_deb": "@DEB@", "murder_secret": "a-test-secret-of-32-characters!!", "murder_zk": "127.0.0.1:2181",
             "murder_agent_roles": ["web"], "murder_agent_name": "it-agent", "murder_service_state": null,
             "murder_conf_extra": {"deploy.advertise": "127.0.0.1", "deploy.grace": "1s", "deploy.seed-time": "1s"}}
            VARS
            ansible-playbook -i $W/inventory @ANSIBLE@/site.yml -e @$W/vars.json || exit 10
            echo "agent.roles=$(grep '^agent.roles = ' /etc/murder/murder.conf)"
            echo "secret=$(stat -c %U:%G:%a /etc/murder/secret)"
            for u in agent firewall tracker seeder; do
              [ -L /etc/systemd/system/multi-user.target.wants/murder-$u.service ] && echo "enabled=murder-$u"
            done
            # no systemd here: ZooKeeper in the background, the agent through its init.d script (as user murder)
            /usr/bin/murder zookeeper --bind 127.0.0.1 --port 2181 --data-dir $W/zk > $W/zk.log 2>&1 &
            zk=$!
            trap '/etc/init.d/murder-agent stop; kill $zk 2>/dev/null; wait $zk 2>/dev/null' EXIT
            i=0
            until grep -q "zookeeper listening on" $W/zk.log; do
              kill -0 $zk 2>/dev/null && [ $i -lt 600 ] || { cat $W/zk.log; exit 11; }
              i=$((i + 1)); sleep 0.1
            done
            /etc/init.d/murder-agent start || { tail -20 /var/log/murder/agent.log; exit 12; }
            echo "agent-user=$(ps -o user= -p "$(cat /var/run/murder/agent.pid)")"
            echo hello > $W/release/hello.txt
            # murder deploy --json where this murder has it: the playbook then reads the summary from it
            json=false
            /usr/bin/murder deploy --help | grep -q -- '--json' && json=true
            echo "json=$json"
            ansible-playbook -i $W/inventory @ANSIBLE@/deploy.yml -e murder_release_src=$W/release -e murder_release_tag=it-v1 \\
              -e murder_release_role=web -e "{\\"murder_deploy_json\\": $json}" || { tail -20 /var/log/murder/agent.log; exit 13; }
            echo "current=$(readlink /var/lib/murder/releases/current)"
            echo "content=$(cat /var/lib/murder/releases/current/hello.txt)"
            echo "owner=$(stat -c %U /var/lib/murder/releases/current/hello.txt)"
            """;

    @Test
    void siteInstallsAndConfiguresAndDeployPlaybookDeploys() throws Exception {
        ThrowawayRoot.require();
        ExternalTools.require("ansible-playbook", "ansible-core");
        ExternalTools.require("ip", "iproute2");
        Path deb = DebPackageIT.builtDeb();
        String hostBefore = ThrowawayRoot.hostFingerprint();
        ThrowawayRoot root = new ThrowawayRoot(tmp, true);

        ThrowawayRoot.Result r = root.run(SCRIPT.replace("@DEB@", deb.toString()).replace("@ANSIBLE@", ANSIBLE.toString()), 300);
        String out = r.out();
        assertEquals(0, r.exit(), out);
        assertTrue(out.contains("agent.roles=agent.roles = web"), out);
        assertTrue(out.contains("secret=root:murder:640"), out);
        for (String unit : new String[] {"agent", "firewall", "tracker", "seeder"}) {
            assertTrue(out.contains("enabled=murder-" + unit), unit + "\n" + out);
        }
        assertTrue(out.contains("agent-user=murder"), out);
        assertTrue(out.contains("current=releases/it-v1"), out);
        assertTrue(out.contains("content=hello"), out);
        assertTrue(out.contains("owner=murder"), out);
        System.out.println("AnsibleRoleIT: deploy.yml " + (out.contains("json=true") ? "read the summary of murder deploy --json"
                : "ran murder deploy without --json (not in this build)"));
        if (out.contains("json=true")) {
            assertTrue(out.contains("\"result\": \"done\"") && out.contains("\"host\": \"it-agent\""), out);
        } else {
            // a murder without deploy --json (before issue 16): the playbook reports the exit code only
            assertTrue(out.contains("\"result\": \"done\"") && out.contains("\"rc\": 0"), out);
        }
        assertEquals(hostBefore, ThrowawayRoot.hostFingerprint(), "the real machine is untouched");
    }
}
