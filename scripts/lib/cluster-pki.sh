# Certificates, keys and kubeconfigs of the local cluster (scripts/local-cluster). Source it; do not run it.
# Everything is made fresh at each `up`, with openssl, under one throw-away CA:
#   ca.{crt,key}          the CA every component trusts (and the controller manager signs CSRs with)
#   front-proxy-ca.*, front-proxy-client.*  the request-header (aggregation) CA and the API server's proxy client
#   serving.{crt,key}     the serving certificate of every component: etcd (client and peer), kube-apiserver,
#                         kube-controller-manager, kube-scheduler and the kubelet; it names 127.0.0.1 and localhost
#                         only (the API server reaches the kubelet at the node's address, 127.0.0.1, and checks it)
#   <user>.{crt,key}      client certificates: the admin, each control-plane component, the API server's etcd and
#                         kubelet clients, the kubelet (system:node:<node>, for the Node authorizer)
#   sa.{key,pub}          the service account token signing key pair
# shellcheck shell=bash

# Writes $1.key (ECDSA P-256).
pki_key() {
  openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null
  chmod 600 "$1.key"
}

# pki_ca DIR NAME: a self-signed CA, DIR/NAME.{crt,key}.
pki_ca() {
  local dir="$1" name="$2"
  pki_key "$dir/$name"
  openssl req -x509 -new -key "$dir/$name.key" -subj "/CN=mirador-local-cluster-$name" -days 365 -out "$dir/$name.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# pki_cert DIR NAME SUBJECT EXTENSIONS [CA]: a key and a certificate signed by DIR/CA (default: ca).
pki_cert() {
  local dir="$1" name="$2" subject="$3" extensions="$4" ca="${5:-ca}"
  pki_key "$dir/$name"
  openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr" 2>/dev/null
  printf '%b\n' "$extensions" >"$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 365 -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

# pki_client DIR NAME CN [ORGANISATION [CA]]: a client certificate; the API server takes CN as the user, O as a group.
pki_client() {
  local subject="/CN=$3"
  [ -z "${4:-}" ] || subject="/O=$4$subject"
  pki_cert "$1" "$2" "$subject" 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth' "${5:-ca}"
}

# pki_all DIR NODE: every certificate and key the cluster and its node NODE need.
pki_all() {
  local dir="$1"
  mkdir -p "$dir"
  chmod 700 "$dir"
  pki_ca "$dir" ca
  # The aggregation layer's own CA, as kubeadm does: a certificate from it lets its holder claim any user in request
  # headers, so it must not be the CA that signs ordinary clients. Only the API server holds such a certificate.
  pki_ca "$dir" front-proxy-ca
  pki_client "$dir" front-proxy-client front-proxy-client "" front-proxy-ca
  # Server and client use: etcd presents it to its (single) peer as well.
  pki_cert "$dir" serving "/CN=mirador-local-cluster" \
    'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost'
  pki_client "$dir" admin mirador-admin system:masters
  pki_client "$dir" etcd-client kube-apiserver-etcd-client
  pki_client "$dir" controller-manager system:kube-controller-manager
  pki_client "$dir" scheduler system:kube-scheduler
  # The API server's client at the kubelet (logs, exec): the kubelet asks the API server whether it may, and the
  # admin group may.
  pki_client "$dir" apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  # The kubelet of node $2: the Node authorizer lets it see and change what belongs to its node only.
  pki_client "$dir" kubelet "system:node:$2" system:nodes
  pki_key "$dir/sa"
  openssl ec -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
}

# pki_kubeconfig DIR NAME SERVER OUT: a self-contained kubeconfig for the client certificate DIR/NAME.
pki_kubeconfig() {
  local dir="$1" name="$2" server="$3" out="$4"
  (
    umask 077
    cat >"$out" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: mirador-local
    cluster:
      server: $server
      certificate-authority-data: $(base64 -w0 <"$dir/ca.crt")
users:
  - name: $name
    user:
      client-certificate-data: $(base64 -w0 <"$dir/$name.crt")
      client-key-data: $(base64 -w0 <"$dir/$name.key")
contexts:
  - name: mirador-local
    context:
      cluster: mirador-local
      user: $name
current-context: mirador-local
EOF
  )
}
