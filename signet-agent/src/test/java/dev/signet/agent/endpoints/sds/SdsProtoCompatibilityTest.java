package dev.signet.agent.endpoints.sds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.RuntimeVersion;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Envoy API jar (io.envoyproxy.controlplane:api, protoc 3.25 gencode) runs on Signet's protobuf-java
 * 4.x runtime: descriptors of the whole SDS closure build, messages round-trip, Any packs and unpacks.
 */
class SdsProtoCompatibilityTest {
    @Test
    void envoyGencodeFromProtobuf3RunsOnTheProtobuf4Runtime() throws Exception {
        assertThat(RuntimeVersion.MAJOR).as("protobuf-java runtime major").isEqualTo(4);
        // 3.x-style gencode (GeneratedMessageV3, deprecated in 4.x but still supported)
        assertThat(Secret.class.getSuperclass().getName()).isEqualTo("com.google.protobuf.GeneratedMessageV3");

        var schema = (ProtoFileDescriptorSupplier) SecretDiscoveryServiceGrpc.getServiceDescriptor().getSchemaDescriptor();
        Set<String> files = new HashSet<>();
        Deque<Descriptors.FileDescriptor> todo = new ArrayDeque<>();
        todo.add(schema.getFileDescriptor());
        todo.add(Secret.getDescriptor().getFile());
        while (!todo.isEmpty()) {
            Descriptors.FileDescriptor f = todo.poll();
            if (files.add(f.getName())) {
                todo.addAll(f.getDependencies());
            }
        }
        assertThat(files).contains("envoy/service/secret/v3/sds.proto", "envoy/service/discovery/v3/discovery.proto",
                "envoy/extensions/transport_sockets/tls/v3/secret.proto", "validate/validate.proto", "udpa/annotations/status.proto");

        DiscoveryRequest request = DiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId("sidecar~10.0.0.1~web~default").setCluster("web")
                        .setMetadata(Struct.newBuilder().putFields("ISTIO_VERSION", Value.newBuilder().setStringValue("1.2x").build())))
                .addResourceNames("default")
                .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3).setMessage("rejected"))
                .build();
        assertThat(DiscoveryRequest.parseFrom(request.toByteArray())).isEqualTo(request);
        assertThat(JsonFormat.printer().print(request)).contains("\"resourceNames\": [\"default\"]");

        Secret secret = Secret.newBuilder().setName("default").setTlsCertificate(TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8("pem")))).build();
        DiscoveryResponse response = DiscoveryResponse.parseFrom(DiscoveryResponse.newBuilder().addResources(Any.pack(secret)).build().toByteArray());
        assertThat(response.getResources(0).getTypeUrl()).isEqualTo(Secrets.TYPE_URL);
        assertThat(response.getResources(0).unpack(Secret.class)).isEqualTo(secret);
    }
}
