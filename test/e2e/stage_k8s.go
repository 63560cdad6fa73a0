package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// nodeName is the Kubernetes node's name: it resolves to 127.0.0.1
// without DNS.
const nodeName = "localhost"

// kube is the stage's cluster: etcd, kube-apiserver and kubelet on
// loopback.
type kube struct {
	t      *test
	server string // https://127.0.0.1:PORT
	token  string
	client *http.Client
}

// freePort returns a TCP port on 127.0.0.1 that is free now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// freePorts returns n distinct free ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// request sends a request to the API server; body is JSON or YAML (by
// contentType) and the reply is decoded into out if it is not nil.
func (k *kube) request(method, path, contentType string, body []byte, out any) error {
	req, err := http.NewRequest(method, k.server+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+k.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// postJSON creates an object from a Go value.
func (k *kube) postJSON(path string, obj any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return k.request("POST", path, "application/json", data, nil)
}

// startEtcd starts etcd with its data in workDir, listening on loopback.
func (t *test) startEtcd() (string, error) {
	ports, err := freePorts(2)
	if err != nil {
		return "", err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	p, err := t.start("etcd", nil, "/usr/bin/etcd",
		"--name=e2e", "--data-dir="+filepath.Join(workDir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=e2e="+peer, "--initial-cluster-state=new")
	if err != nil {
		return "", err
	}
	err = waitFor(60*time.Second, 250*time.Millisecond, func() (bool, error) {
		if p.exited() {
			return false, fmt.Errorf("etcd exited:\n%s", indent(p.tail(20)))
		}
		resp, err := http.Get(client + "/health")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == 200, fmt.Errorf("etcd health: %s", resp.Status)
	})
	return client, err
}

// startAPIServer starts kube-apiserver on loopback with a static token,
// AlwaysAllow authorization, no ServiceAccount admission (no controller
// manager creates service accounts here), and no endpoint reconciler (it
// would publish a non-loopback endpoint for the kubernetes service).
func (t *test) startAPIServer(etcd string) (*kube, error) {
	dir := filepath.Join(workDir, "apiserver")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(buf)
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+",e2e-admin,e2e-admin,system:masters\n"), 0o600); err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	keyFile := filepath.Join(dir, "sa.key")
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p, err := t.start("kube-apiserver", nil, filepath.Join(t.bin, "kube-apiserver"),
		"--etcd-servers="+etcd,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--token-auth-file="+tokens,
		"--authorization-mode=AlwaysAllow",
		"--disable-admission-plugins=ServiceAccount",
		"--endpoint-reconciler-type=none",
		"--service-cluster-ip-range=10.96.0.0/24",
		"--service-account-issuer=https://127.0.0.1",
		"--service-account-key-file="+keyFile,
		"--service-account-signing-key-file="+keyFile,
		"--enable-priority-and-fairness=false",
		"--profiling=false")
	if err != nil {
		return nil, err
	}
	k := &kube{
		t:      t,
		server: fmt.Sprintf("https://127.0.0.1:%d", port),
		token:  token,
		client: &http.Client{
			Timeout: 30 * time.Second,
			// The server's certificate is self-signed, made at start.
			Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		},
	}
	err = waitFor(3*time.Minute, time.Second, func() (bool, error) {
		if p.exited() {
			return false, fmt.Errorf("kube-apiserver exited:\n%s", indent(p.tail(20)))
		}
		err := k.request("GET", "/readyz", "", nil, nil)
		return err == nil, err
	})
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver not ready: %w", err)
	}
	// The namespace "default" is created by the server shortly after it
	// is ready.
	err = waitFor(time.Minute, 500*time.Millisecond, func() (bool, error) {
		err := k.request("GET", "/api/v1/namespaces/default", "", nil, nil)
		return err == nil, err
	})
	return k, err
}

// kubeletSysctls are the kernel settings kubelet sets at start (to these
// values) unless they already have them. kubelet runs in a mount namespace
// of its own where each is a file holding that value, so the host's
// settings (kernel.panic_on_oops, vm.overcommit_memory, ...) stay as they
// are.
var kubeletSysctls = map[string]string{
	"vm/overcommit_memory":      "1",
	"vm/panic_on_oom":           "0",
	"kernel/panic":              "10",
	"kernel/panic_on_oops":      "1",
	"kernel/keys/root_maxkeys":  "1000000",
	"kernel/keys/root_maxbytes": "25000000",
}

// kubeletWrapper runs kubelet in a new mount namespace (mounts from the
// host still propagate into it, none go back): the sysctl files above are
// covered by plain files, and a tmpfs on /var/log takes the links kubelet
// makes in /var/log/containers.
const kubeletWrapper = `set -e
dir=$1; shift
for f in $(cd "$dir" && find . -type f); do mount --bind "$dir/$f" "/proc/sys/$f"; done
mount -t tmpfs -o size=16m e2e-kubelet-varlog /var/log
exec "$@"
`

// startKubelet starts kubelet as node "localhost" on loopback, with the
// settings this machine needs: cgroup v1 allowed (failCgroupV1: false),
// cgroupfs under the run's cgroup, no CNI (only hostNetwork pods run), no
// image garbage collection (the images are imported, never pulled).
func (t *test) startKubelet(k *kube) (*process, error) {
	dir := filepath.Join(workDir, "kubelet")
	sysctls := filepath.Join(workDir, "kubelet-sysctl")
	for path, value := range kubeletSysctls {
		f := filepath.Join(sysctls, path)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(f, []byte(value+"\n"), 0o644); err != nil {
			return nil, err
		}
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	kubeconfig := filepath.Join(workDir, "kubelet.kubeconfig")
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: %q, insecure-skip-tls-verify: true}
users:
- name: e2e
  user: {token: %q}
contexts:
- name: e2e
  context: {cluster: e2e, user: e2e}
current-context: e2e
`, k.server, k.token)
	if err := os.WriteFile(kubeconfig, []byte(kc), 0o600); err != nil {
		return nil, err
	}
	resolv := filepath.Join(workDir, "resolv.conf")
	if err := os.WriteFile(resolv, nil, 0o644); err != nil {
		return nil, err
	}
	config := map[string]any{
		"kind":                        "KubeletConfiguration",
		"apiVersion":                  "kubelet.config.k8s.io/v1beta1",
		"failCgroupV1":                false,
		"cgroupDriver":                "cgroupfs",
		"cgroupRoot":                  "/" + cgroupParent,
		"containerRuntimeEndpoint":    "unix://" + containerdSock,
		"address":                     "127.0.0.1",
		"port":                        ports[0],
		"readOnlyPort":                0,
		"healthzBindAddress":          "127.0.0.1",
		"healthzPort":                 ports[1],
		"authentication":              map[string]any{"anonymous": map[string]any{"enabled": true}, "webhook": map[string]any{"enabled": false}},
		"authorization":               map[string]any{"mode": "AlwaysAllow"},
		"failSwapOn":                  false,
		"resolvConf":                  resolv,
		"podLogsDir":                  filepath.Join(workDir, "pod-logs"),
		"imageGCHighThresholdPercent": 100,
		"imageGCLowThresholdPercent":  99,
		"evictionHard":                map[string]string{"memory.available": "1Mi", "nodefs.available": "1%", "imagefs.available": "1%"},
		"serializeImagePulls":         false,
		"registerNode":                true,
	}
	configFile := filepath.Join(workDir, "kubelet-config.json")
	if err := writeJSON(configFile, config); err != nil {
		return nil, err
	}
	wrapper := filepath.Join(workDir, "kubelet-wrapper.sh")
	if err := os.WriteFile(wrapper, []byte(kubeletWrapper), 0o755); err != nil {
		return nil, err
	}
	p, err := t.start("kubelet", nil, "unshare", "--mount", "--propagation", "slave",
		"/bin/sh", wrapper, sysctls,
		filepath.Join(t.bin, "kubelet"),
		"--config="+configFile, "--kubeconfig="+kubeconfig,
		"--hostname-override="+nodeName, "--node-ip=127.0.0.1",
		"--root-dir="+dir, "--cert-dir="+filepath.Join(dir, "pki"), "--v=2")
	if err != nil {
		return nil, err
	}
	err = waitFor(3*time.Minute, time.Second, func() (bool, error) {
		if p.exited() {
			return false, fmt.Errorf("kubelet exited:\n%s", indent(p.tail(30)))
		}
		err := k.request("GET", "/api/v1/nodes/"+nodeName, "", nil, nil)
		return err == nil, err
	})
	if err != nil {
		return p, fmt.Errorf("node %s not registered: %w", nodeName, err)
	}
	return p, nil
}

// testPod returns a Pod running peios-check once on the node, in the
// runsc-peios RuntimeClass, with the given annotations.
func testPod(name string, annotations map[string]string) map[string]any {
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Pod",
		"metadata":   map[string]any{"name": name, "annotations": annotations},
		"spec": map[string]any{
			"runtimeClassName": runtimeHandler,
			// No scheduler runs: the Pod is bound to the node directly.
			"nodeName":                      nodeName,
			"hostNetwork":                   true,
			"restartPolicy":                 "Never",
			"automountServiceAccountToken":  false,
			"terminationGracePeriodSeconds": 1,
			"containers": []any{map[string]any{
				"name":            "check",
				"image":           testImage,
				"imagePullPolicy": "Never",
				"command":         checkCommand,
			}},
		},
	}
}

// podStatus is the part of a Pod's status the stage reads.
type podStatus struct {
	Metadata struct {
		UID string `json:"uid"`
	} `json:"metadata"`
	Status struct {
		Phase             string `json:"phase"`
		ContainerStatuses []struct {
			State map[string]any `json:"state"`
		} `json:"containerStatuses"`
	} `json:"status"`
}

// waitPodDone waits for the Pod to reach Succeeded or Failed.
func (k *kube) waitPodDone(name string) (podStatus, error) {
	var st podStatus
	err := waitFor(4*time.Minute, time.Second, func() (bool, error) {
		if err := k.request("GET", "/api/v1/namespaces/default/pods/"+name, "", nil, &st); err != nil {
			return false, err
		}
		done := st.Status.Phase == "Succeeded" || st.Status.Phase == "Failed"
		return done, fmt.Errorf("phase %q, containers %v", st.Status.Phase, st.Status.ContainerStatuses)
	})
	return st, err
}

// podEvents returns the messages of the events about a Pod.
func (k *kube) podEvents(name string) (string, error) {
	var list struct {
		Items []struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"items"`
	}
	err := k.request("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D"+name, "", nil, &list)
	var b strings.Builder
	for _, e := range list.Items {
		fmt.Fprintf(&b, "%s: %s\n", e.Reason, e.Message)
	}
	return b.String(), err
}

// stageK8s runs a small cluster on loopback and Pods with runtimeClassName
// runsc-peios: one with the default policy and one annotated
// dev.peios.mm/wx: off must reach Succeeded with the expected output; one
// with a bad value must fail with an event naming the key.
func (t *test) stageK8s() error {
	if err := t.ensureContainerd(); err != nil {
		return err
	}
	etcd, err := t.startEtcd()
	if !t.check("k8s: etcd serves on loopback", err) {
		return err
	}
	k, err := t.startAPIServer(etcd)
	if !t.check("k8s: kube-apiserver ready", err) {
		return err
	}
	kubelet, err := t.startKubelet(k)
	if !t.check("k8s: kubelet registered node "+nodeName, err) {
		return err
	}
	data, err := os.ReadFile(filepath.Join(t.repo, "deploy/kubernetes/runtimeclass.yaml"))
	if err == nil {
		err = k.request("POST", "/apis/node.k8s.io/v1/runtimeclasses", "application/yaml", data, nil)
	}
	if !t.check("k8s: create RuntimeClass runsc-peios from deploy/kubernetes/runtimeclass.yaml", err) {
		return err
	}
	data, err = os.ReadFile(filepath.Join(t.repo, "deploy/kubernetes/example-pod.yaml"))
	if err == nil {
		err = k.request("POST", "/api/v1/namespaces/default/pods?dryRun=All", "application/yaml", data, nil)
	}
	t.check("k8s: deploy/kubernetes/example-pod.yaml is a valid Pod (server dry run)", err)

	cases := []struct {
		name        string
		annotations map[string]string
		want        string
	}{
		{"peios-default", nil, wantWXRefused},
		{"peios-wx-off", map[string]string{annotationWX: "off"}, wantWXAllowed},
	}
	var pods []string
	for _, c := range cases {
		err := k.postJSON("/api/v1/namespaces/default/pods", testPod(c.name, c.annotations))
		if !t.check("k8s: create Pod "+c.name, err) {
			continue
		}
		pods = append(pods, c.name)
		st, err := k.waitPodDone(c.name)
		if err == nil && st.Status.Phase != "Succeeded" {
			err = fmt.Errorf("phase %s: %v", st.Status.Phase, st.Status.ContainerStatuses)
		}
		if !t.check("k8s: Pod "+c.name+" reaches Succeeded", err) {
			ev, _ := k.podEvents(c.name)
			t.logf("events of %s:\n%s", c.name, indent(ev))
			continue
		}
		// The CRI log file; `kubectl logs` would dial the node's name.
		logFile := filepath.Join(workDir, "pod-logs", "default_"+c.name+"_"+st.Metadata.UID, "check", "0.log")
		log, err := readCRILog(logFile)
		if t.check("k8s: read the log of "+c.name+" from the CRI log file", err) {
			t.checkContains("k8s: "+c.name+": peios-check reports "+c.want+" and mseal holds", log, c.want, wantSealed)
		}
	}

	bad := "peios-wx-bogus"
	err = k.postJSON("/api/v1/namespaces/default/pods", testPod(bad, map[string]string{annotationWX: "bogus"}))
	if t.check("k8s: create Pod "+bad, err) {
		pods = append(pods, bad)
		var events string
		err = waitFor(3*time.Minute, 2*time.Second, func() (bool, error) {
			ev, err := k.podEvents(bad)
			events = ev
			return strings.Contains(ev, "FailedCreatePodSandBox"), err
		})
		if t.check("k8s: Pod "+bad+" fails to create its sandbox", err) {
			t.checkContains("k8s: the failure of "+bad+" names the annotation key", events, annotationWX)
		}
		var st podStatus
		err = k.request("GET", "/api/v1/namespaces/default/pods/"+bad, "", nil, &st)
		if err == nil && st.Status.Phase != "Pending" {
			err = fmt.Errorf("phase %s", st.Status.Phase)
		}
		t.check("k8s: Pod "+bad+" never runs (stays Pending)", err)
	}

	// Delete the Pods and let kubelet remove their sandboxes before it
	// stops.
	for _, name := range pods {
		k.request("DELETE", "/api/v1/namespaces/default/pods/"+name+"?gracePeriodSeconds=0", "", nil, nil)
	}
	err = waitFor(2*time.Minute, time.Second, func() (bool, error) {
		out, err := t.crictl(time.Minute, "pods", "-q")
		return err == nil && strings.TrimSpace(out) == "", fmt.Errorf("pods left: %s %v", out, err)
	})
	t.check("k8s: kubelet removed the Pods' sandboxes", err)
	t.stop(kubelet, 30*time.Second)
	return nil
}
