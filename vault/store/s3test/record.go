package s3test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
)

// Request is one request a client sent, as the server received it.
type Request struct {
	Method string
	URL    string // path and query: bucket, object key, sub-resource
	Header http.Header
	Body   []byte
}

// Recorder is a reverse proxy on loopback in front of the server that
// keeps every request: a test points AWS_ENDPOINT_URL_S3 at it and then
// looks for what must never leave the process in the clear.
type Recorder struct {
	Endpoint string
	srv      *http.Server
	mu       sync.Mutex
	reqs     []Request
}

// Record starts a Recorder for s. Stop it with Close.
func (s *Server) Record() (*Recorder, error) {
	target, err := url.Parse(s.Endpoint)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Recorder{Endpoint: "http://" + l.Addr().String()}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		// The client signed the Host it sent (the proxy's): keep it.
		pr.Out.Host = pr.In.Host
	}}
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body.Close()
		r.mu.Lock()
		r.reqs = append(r.reqs, Request{Method: req.Method, URL: req.URL.RequestURI(), Header: req.Header.Clone(), Body: body})
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, req)
	})}
	go r.srv.Serve(l)
	return r, nil
}

// Requests returns what was recorded so far.
func (r *Recorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}

// Close stops the proxy.
func (r *Recorder) Close() error { return r.srv.Close() }
