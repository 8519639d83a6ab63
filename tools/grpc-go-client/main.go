// grpc-go-xds-client: a proxyless gRPC client built on grpc-go's own xDS implementation, so Horizon's
// answers (and istiod's) can be checked by a second, stricter client than grpc-js-xds.
//
//	grpc-go-xds-client calls --target xds:///helloworld.sample.svc.cluster.local:5000 --calls 100
//	    makes N helloworld SayHello calls and prints, as one JSON object, how many each backend answered
//	    (by reply text, which names the pod) and each peer address took (pod IP or gateway).
//	grpc-go-xds-client dump --target xds:///A --target xds:///B
//	    resolves the targets and prints every xDS resource the client holds (from grpc-go's CSDS
//	    service, in process), with the ClusterLoadAssignments decoded, once nothing is still requested.
//
// The bootstrap comes from GRPC_XDS_BOOTSTRAP or GRPC_XDS_BOOTSTRAP_CONFIG, as for any grpc-go program.
// Errors go to stderr with exit code 1; usage errors exit 2.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	v3adminpb "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	v3clusterpb "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	v3statuspb "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	_ "google.golang.org/grpc/xds" // registers the xds:/// resolver and the xDS balancers
	"google.golang.org/grpc/xds/csds"
)

const (
	typeCluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	typeCLA     = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
)

type targets []string

func (t *targets) String() string     { return strings.Join(*t, ",") }
func (t *targets) Set(v string) error { *t = append(*t, v); return nil }

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "calls" && os.Args[1] != "dump") {
		fmt.Fprintln(os.Stderr, "usage: grpc-go-xds-client calls|dump --target xds:///NAME [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	var tgts targets
	fs.Var(&tgts, "target", "xds:///NAME to dial (repeatable for dump)")
	calls := fs.Int("calls", 100, "calls: how many SayHello calls to make, one after another")
	callTimeout := fs.Duration("call-timeout", 5*time.Second, "calls: deadline of each call")
	timeout := fs.Duration("timeout", 30*time.Second, "the whole run's deadline")
	_ = fs.Parse(os.Args[2:])
	if len(tgts) == 0 || (mode == "calls" && len(tgts) != 1) || *calls < 1 {
		fmt.Fprintln(os.Stderr, "usage: calls needs exactly one --target and --calls >= 1; dump needs one or more --target")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	var out any
	var err error
	if mode == "calls" {
		out, err = runCalls(ctx, tgts[0], *calls, *callTimeout)
	} else {
		out, err = runDump(ctx, tgts)
	}
	if out != nil {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpc-go-xds-client:", err)
		os.Exit(1)
	}
}

// --- calls ---------------------------------------------------------------------------------------

type callsResult struct {
	Target  string         `json:"target"`
	Calls   int            `json:"calls"`
	OK      int            `json:"ok"`
	ByReply map[string]int `json:"byReply"`
	ByPeer  map[string]int `json:"byPeer"`
	Errors  map[string]int `json:"errors"`
}

func runCalls(ctx context.Context, target string, n int, callTimeout time.Duration) (*callsResult, error) {
	req, reply, err := helloworldMessages()
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", target, err)
	}
	defer conn.Close()
	res := &callsResult{Target: target, Calls: n, ByReply: map[string]int{}, ByPeer: map[string]int{}, Errors: map[string]int{}}
	req.Set(req.Descriptor().Fields().ByName("name"), protoreflect.ValueOfString("grpc-go"))
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			res.Errors["run deadline exceeded before all calls were made"] += n - i
			break
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		var p peer.Peer
		reply.Reset()
		err := conn.Invoke(cctx, "/helloworld.Greeter/SayHello", req, reply, grpc.Peer(&p), grpc.WaitForReady(true))
		cancel()
		if err != nil {
			s := status.Convert(err)
			res.Errors[s.Code().String()+": "+s.Message()]++
			continue
		}
		res.OK++
		res.ByReply[reply.Get(reply.Descriptor().Fields().ByName("message")).String()]++
		if p.Addr != nil {
			res.ByPeer[p.Addr.String()]++
		}
	}
	return res, nil
}

// helloworldMessages builds helloworld.HelloRequest / HelloReply (proto/helloworld.proto) as dynamic
// messages: two one-field messages do not need generated code or another module.
func helloworldMessages() (*dynamicpb.Message, *dynamicpb.Message, error) {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	msg := func(name, field string) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{Name: proto.String(name), Field: []*descriptorpb.FieldDescriptorProto{
			{Name: proto.String(field), Number: proto.Int32(1), Type: str, Label: opt, JsonName: proto.String(field)},
		}}
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:        proto.String("horizon/helloworld.proto"),
		Package:     proto.String("helloworld"),
		Syntax:      proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{msg("HelloRequest", "name"), msg("HelloReply", "message")},
	}, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("helloworld descriptors: %w", err)
	}
	m := fd.Messages()
	return dynamicpb.NewMessage(m.ByName("HelloRequest")), dynamicpb.NewMessage(m.ByName("HelloReply")), nil
}

// --- dump ----------------------------------------------------------------------------------------

type dumpedResource struct {
	TypeURL string `json:"typeUrl"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
	Error   string `json:"error,omitempty"`
	// Only for ClusterLoadAssignments: the resource in protojson (camelCase field names).
	Resource json.RawMessage `json:"resource,omitempty"`
}

type dumpResult struct {
	Targets   []string         `json:"targets"`
	Resources []dumpedResource `json:"resources"`
}

func runDump(ctx context.Context, tgts []string) (*dumpResult, error) {
	for _, t := range tgts {
		conn, err := grpc.NewClient(t, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", t, err)
		}
		defer conn.Close()
		conn.Connect() // starts the xds resolver: Listener -> Route -> Cluster -> ClusterLoadAssignment
	}
	server, err := csds.NewClientStatusDiscoveryServer()
	if err != nil {
		return nil, err
	}
	// Settled: nothing still REQUESTED, every EDS cluster's assignment present, unchanged for 300 ms.
	var last *dumpResult
	lastKey, stableSince := "", time.Now()
	for {
		resp, err := server.FetchClientStatus(ctx, &v3statuspb.ClientStatusRequest{})
		if err != nil {
			return nil, fmt.Errorf("CSDS: %w", err)
		}
		res, settled, err := summarize(tgts, resp)
		if err != nil {
			return nil, err
		}
		key := fingerprint(res)
		if key != lastKey {
			lastKey, stableSince = key, time.Now()
		}
		last = res
		if settled && time.Since(stableSince) >= 300*time.Millisecond {
			return res, nil
		}
		select {
		case <-ctx.Done():
			return last, errors.New("timed out waiting for the xDS resources to settle (the dump above is what was held; REQUESTED means never answered)")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func summarize(tgts []string, resp *v3statuspb.ClientStatusResponse) (*dumpResult, bool, error) {
	res := &dumpResult{Targets: tgts, Resources: []dumpedResource{}}
	settled := true
	wantCLA := map[string]bool{}
	haveCLA := map[string]bool{}
	for _, cfg := range resp.GetConfig() {
		for _, g := range cfg.GetGenericXdsConfigs() {
			d := dumpedResource{TypeURL: g.GetTypeUrl(), Name: g.GetName(), Status: g.GetClientStatus().String(), Version: g.GetVersionInfo()}
			if e := g.GetErrorState(); e != nil {
				d.Error = e.GetDetails()
			}
			switch g.GetClientStatus() {
			case v3adminpb.ClientResourceStatus_REQUESTED:
				settled = false
			case v3adminpb.ClientResourceStatus_NACKED, v3adminpb.ClientResourceStatus_DOES_NOT_EXIST:
				// Answered: rejected (error above) or absent; the client keeps nothing newer for it.
				if g.GetTypeUrl() == typeCLA {
					haveCLA[g.GetName()] = true
				}
			}
			if a := g.GetXdsConfig(); a != nil {
				switch g.GetTypeUrl() {
				case typeCluster:
					var c v3clusterpb.Cluster
					if err := a.UnmarshalTo(&c); err == nil && c.GetType() == v3clusterpb.Cluster_EDS {
						name := c.GetEdsClusterConfig().GetServiceName()
						if name == "" {
							name = c.GetName()
						}
						wantCLA[name] = true
					}
				case typeCLA:
					m, err := a.UnmarshalNew()
					if err != nil {
						return nil, false, fmt.Errorf("CSDS: ClusterLoadAssignment %s: %w", g.GetName(), err)
					}
					j, err := protojson.Marshal(m)
					if err != nil {
						return nil, false, err
					}
					d.Resource = j
					haveCLA[g.GetName()] = true
				}
			}
			res.Resources = append(res.Resources, d)
		}
	}
	if len(wantCLA) == 0 {
		settled = false
	}
	for n := range wantCLA {
		if !haveCLA[n] {
			settled = false
		}
	}
	sort.Slice(res.Resources, func(i, j int) bool {
		a, b := res.Resources[i], res.Resources[j]
		if a.TypeURL != b.TypeURL {
			return a.TypeURL < b.TypeURL
		}
		return a.Name < b.Name
	})
	return res, settled, nil
}

func fingerprint(r *dumpResult) string {
	var b strings.Builder
	for _, x := range r.Resources {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s\n", x.TypeURL, x.Name, x.Status, x.Version, x.Error)
	}
	return b.String()
}
