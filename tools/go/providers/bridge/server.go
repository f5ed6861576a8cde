// Package bridge turns a small Resource interface into a Pulumi resource-provider gRPC server: it decodes and
// re-encodes properties (keeping secrets and unknowns), computes diffs from the inputs, answers previews with
// unknown computed outputs, and routes each call to the resource type named in the URN.
package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Values are properties as plain Go values: secrets unwrapped, unknowns as Unknown.
type Values map[string]any

// Unknown stands for a value that is not known yet (preview).
type Unknown struct{}

// Call carries what a resource operation may need besides its properties.
type Call struct {
	URN     string
	Config  Values
	Preview bool
	host    *provider.HostClient
}

// Status shows a short progress line for the resource in the engine's display.
func (c *Call) Status(msg string) {
	if c.host != nil {
		_ = c.host.LogStatus(context.Background(), diag.Info, resource.URN(c.URN), msg)
	}
}

// Resource is one resource type of a stand-in plugin.
type Resource interface {
	// Check normalises the inputs; it may add derived inputs (e.g. a digest of files the resource reads).
	Check(ctx context.Context, c *Call, news Values) (Values, error)
	// Replaces says which of the changed input keys force a replacement instead of an update.
	Replaces(changed []string, olds, news Values) []string
	// Computed lists the output keys the resource computes (unknown during a preview).
	Computed() []string
	Create(ctx context.Context, c *Call, in Values) (id string, computed Values, err error)
	Update(ctx context.Context, c *Call, id string, olds, in Values) (computed Values, err error)
	Delete(ctx context.Context, c *Call, id string, olds Values) error
}

// Server implements pulumirpc.ResourceProviderServer over a set of Resources.
type Server struct {
	pulumirpc.UnimplementedResourceProviderServer

	name      string
	version   string
	resources map[string]Resource
	host      *provider.HostClient

	mu     sync.Mutex
	config Values
	ctx    context.Context
	cancel context.CancelFunc
}

// Serve runs the plugin: it prints its port for the engine and serves until the engine goes away.
func Serve(name, version string, resources map[string]Resource) error {
	return provider.Main(name, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		ctx, cancel := context.WithCancel(context.Background())
		return &Server{name: name, version: version, resources: resources, host: host, config: Values{},
			ctx: ctx, cancel: cancel}, nil
	})
}

var marshal = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func decode(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, marshal)
}

func encode(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshal)
}

// plain converts properties to plain values: secrets unwrapped, unknowns as Unknown, assets as their path.
func plain(m resource.PropertyMap) Values {
	var repl func(v resource.PropertyValue) (any, bool)
	repl = func(v resource.PropertyValue) (any, bool) {
		switch {
		case v.IsSecret():
			return v.SecretValue().Element.MapRepl(nil, repl), true
		case v.IsComputed(), v.IsOutput() && !v.OutputValue().Known:
			return Unknown{}, true
		case v.IsOutput():
			return v.OutputValue().Element.MapRepl(nil, repl), true
		case v.IsAsset():
			a := v.AssetValue()
			return map[string]any{"path": a.Path, "text": a.Text, "hash": a.Hash}, true
		}
		return nil, false
	}
	return Values(m.MapRepl(nil, repl))
}

func (s *Server) lookup(urn string) (Resource, error) {
	t := string(resource.URN(urn).Type())
	if r, ok := s.resources[t]; ok {
		return r, nil
	}
	known := make([]string, 0, len(s.resources))
	for k := range s.resources {
		known = append(known, k)
	}
	sort.Strings(known)
	return nil, fmt.Errorf("%s is not supported by the local stand-in plugin %s (it implements %s); "+
		"see tools/go/providers/README.md", t, s.name, strings.Join(known, ", "))
}

func (s *Server) call(urn string, preview bool) *Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &Call{URN: urn, Config: s.config, Preview: preview, host: s.host}
}

// withComputed returns the inputs with the computed outputs set on top.
func withComputed(in resource.PropertyMap, computed Values) resource.PropertyMap {
	out := in.Copy()
	for k, v := range computed {
		if _, unknown := v.(Unknown); unknown {
			out[resource.PropertyKey(k)] = resource.MakeComputed(resource.NewStringProperty(""))
			continue
		}
		out[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
	}
	return out
}

func unknowns(r Resource) Values {
	v := Values{}
	for _, k := range r.Computed() {
		v[k] = Unknown{}
	}
	return v
}

func (s *Server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: s.version}, nil
}

func (s *Server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	b, _ := json.Marshal(map[string]string{"name": s.name, "version": s.version})
	return &pulumirpc.GetSchemaResponse{Schema: string(b)}, nil
}

func (s *Server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *Server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := decode(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	news, err := decode(req.GetNews())
	if err != nil {
		return nil, err
	}
	changed := changedKeys(plain(olds), plain(news))
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed}, nil
}

func (s *Server) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	cfg := Values{}
	if req.GetArgs() != nil {
		args, err := decode(req.GetArgs())
		if err != nil {
			return nil, err
		}
		cfg = plain(args)
	} else {
		for k, v := range req.GetVariables() {
			cfg[k[strings.LastIndex(k, ":")+1:]] = v
		}
	}
	s.mu.Lock()
	s.config = cfg
	s.mu.Unlock()
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (s *Server) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	r, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := decode(req.GetNews())
	if err != nil {
		return nil, err
	}
	derived, err := r.Check(ctx, s.call(req.GetUrn(), true), plain(news))
	if err != nil {
		return &pulumirpc.CheckResponse{Failures: []*pulumirpc.CheckFailure{{Reason: err.Error()}}}, nil
	}
	inputs, err := encode(withComputed(news, derived))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs}, nil
}

func (s *Server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	r, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	oldStruct := req.GetOldInputs()
	if oldStruct == nil {
		oldStruct = req.GetOlds()
	}
	olds, err := decode(oldStruct)
	if err != nil {
		return nil, err
	}
	news, err := decode(req.GetNews())
	if err != nil {
		return nil, err
	}
	oldPlain, newPlain := plain(olds), plain(news)
	changed := withoutIgnored(changedKeys(oldPlain, newPlain), req.GetIgnoreChanges())
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	replaces := r.Replaces(changed, oldPlain, newPlain)
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for _, k := range changed {
		kind := pulumirpc.PropertyDiff_UPDATE
		for _, rk := range replaces {
			if rk == k {
				kind = pulumirpc.PropertyDiff_UPDATE_REPLACE
			}
		}
		detailed[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return &pulumirpc.DiffResponse{
		Changes: pulumirpc.DiffResponse_DIFF_SOME, Replaces: replaces, Diffs: changed,
		HasDetailedDiff: true, DetailedDiff: detailed,
	}, nil
}

func (s *Server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	r, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	in, err := decode(req.GetProperties())
	if err != nil {
		return nil, err
	}
	id, computed := "", unknowns(r)
	if !req.GetPreview() {
		if id, computed, err = r.Create(s.opContext(ctx), s.call(req.GetUrn(), false), plain(in)); err != nil {
			return nil, status.Error(codes.Unknown, err.Error())
		}
	}
	props, err := encode(withComputed(in, computed))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (s *Server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	r, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := decode(req.GetOlds())
	if err != nil {
		return nil, err
	}
	in, err := decode(req.GetNews())
	if err != nil {
		return nil, err
	}
	computed := unknowns(r)
	if !req.GetPreview() {
		call := s.call(req.GetUrn(), false)
		if computed, err = r.Update(s.opContext(ctx), call, req.GetId(), plain(olds), plain(in)); err != nil {
			return nil, status.Error(codes.Unknown, err.Error())
		}
	}
	props, err := encode(withComputed(in, computed))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (s *Server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	r, err := s.lookup(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := decode(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if err := r.Delete(s.opContext(ctx), s.call(req.GetUrn(), false), req.GetId(), plain(olds)); err != nil {
		return nil, status.Error(codes.Unknown, err.Error())
	}
	return &emptypb.Empty{}, nil
}

// Read (refresh) keeps the recorded state: the stand-ins do not import or detect drift.
func (s *Server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (s *Server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	s.cancel()
	return &emptypb.Empty{}, nil
}

// opContext ends when either the request or a Cancel from the engine ends.
func (s *Server) opContext(req context.Context) context.Context {
	ctx, cancel := context.WithCancel(req)
	go func() {
		select {
		case <-s.ctx.Done():
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx
}
