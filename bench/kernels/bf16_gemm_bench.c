// One-thread matrix products on the shapes of Jikji's layers: OpenBLAS sgemm (the kernel it
// loads with, e.g. OPENBLAS_CORETYPE=SkylakeX) against Jikji's bf16 AMX kernel
// (Sources/CJikjiKernels/BF16Gemm.c), packing both operands per call and with B packed once.
// Build and run (bench/notes/bf16-kernels.md):
//   clang -O2 -ISources/CJikjiKernels/include Sources/CJikjiKernels/BF16Gemm.c bench/kernels/bf16_gemm_bench.c -o /tmp/bf16-bench -ldl
//   OPENBLAS_CORETYPE=SkylakeX taskset -c 1 /tmp/bf16-bench
#include <string.h>
#include "JikjiKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <dlfcn.h>
typedef void (*sgemm_t)(int,int,int,int,int,int,float,const float*,int,const float*,int,float,float*,int);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(){
  void*h=dlopen("libopenblas.so.0",RTLD_NOW); sgemm_t sg=(sgemm_t)dlsym(h,"cblas_sgemm");
  void (*st)(int)=dlsym(h,"openblas_set_num_threads"); st(1);
  char* (*cfg)(void)=dlsym(h,"openblas_get_corename"); printf("openblas core %s, bf16 kernel %d\n", cfg(), jk_bf16_kernel());
  struct {const char*name;int ta,tb,M,N,K;} s[]={
   {"1024^3",0,0,1024,1024,1024},
   {"input proj X[2048x128].W_ih^T (E=128,H=512)",0,1,2048,2048,128},
   {"input proj X[4096x512].W_ih^T (LM)",0,1,4096,2048,512},
   {"step h[64x512].W_hh^T",0,1,64,2048,512},
   {"step bwd dG[64x2048].W_hh",0,0,64,512,2048},
   {"dX dG[2048x2048].W_ih",0,0,2048,128,2048},
   {"dW_ih dG^T[2048x2048].X",1,0,2048,128,2048},
   {"dW_hh dG^T[2048x2048].hPrev",1,0,2048,512,2048},
   {"output [4096x512].[512x30000]",0,1,4096,30000,512},
   {"output dX [4096x30000].W",0,0,4096,512,30000},
   {"output dW dZ^T.X [30000x4096]",1,0,30000,512,4096},
   {"[64x640].[640x2048]",0,0,64,2048,640},
  };
  for(int i=0;i<12;i++){
    int M=s[i].M,N=s[i].N,K=s[i].K,ta=s[i].ta,tb=s[i].tb;
    int lda=ta?M:K, ldb=tb?K:N;
    float*A=malloc(4L*M*K),*B=malloc(4L*K*N),*C=malloc(4L*M*N);
    for(long j=0;j<(long)M*K;j++)A[j]=(rand()&1023)/1024.f-0.5f;
    for(long j=0;j<(long)K*N;j++)B[j]=(rand()&1023)/1024.f-0.5f;
    double fl=2.0*M*N*K; int reps=(int)(2e10/fl); if(reps<2)reps=2; if(reps>2000)reps=2000;
    double best1=1e9,best2=1e9,best3=1e9;
    uint16_t*pb=aligned_alloc(64,jk_bf16_packed_b_size(K,N)*2);
    for(int round=0;round<3;round++){
      double t=now(); for(int r=0;r<reps;r++) sg(101,ta?112:111,tb?112:111,M,N,K,1.f,A,lda,B,ldb,0.f,C,N); t=(now()-t)/reps; if(t<best1)best1=t;
      t=now(); for(int r=0;r<reps;r++) jk_bf16_gemm(ta,tb,M,N,K,A,lda,B,ldb,C,N,0); t=(now()-t)/reps; if(t<best2)best2=t;
      jk_bf16_pack_b(K,N,B,ldb,tb,pb);
      t=now(); for(int r=0;r<reps;r++) jk_bf16_gemm_packed(ta,M,N,K,A,lda,pb,C,N,0); t=(now()-t)/reps; if(t<best3)best3=t;
    }
    printf("%-44s sgemm %6.1f  bf16(pack both) %6.1f  bf16(B prepacked) %6.1f GFLOP/s\n",s[i].name,fl/best1/1e9,fl/best2/1e9,fl/best3/1e9);
    free(A);free(B);free(C);free(pb);
  }
}
